"""The weekly ledger seal: post the chain head so someone outside the bot holds it.

The catalogue's `kind: ledger_seal` routine uses `ledger_seal_provider` as its content
provider (registered by the composition root). It adds the head's sequence number and
hash to the post and appends a `ledger.sealed` entry. Whoever keeps that hash outside the
bot (a witness file, a ticket, an e-mail to the DPO) can later run `gdpr-bot audit verify
--witness FILE` (every `seq hash` line kept) or `--head <hash>` to prove that nothing
before it was changed and nothing after it cut off.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from routines.catalog import Routine
from routines.engine.models import Occurrence
from routines.engine.occurrences import KindContent
from routines.ledger import chain as ledger

SEAL_TEXT = {
    "sv": (
        "*Liggarens sigill*: post {seq}, hash `{hash}`.\n"
        "Spara raden `{seq} {hash}` utanför boten: i en vittnesfil (en rad per sigill; "
        "`gdpr-bot audit witness --file FIL` lägger till liggarens senaste post), i "
        "ärendesystemet eller i ett mejl till dataskyddsombudet. "
        "`gdpr-bot audit verify --witness FIL` kontrollerar sedan varje sparad rad och visar "
        "om något i bevisliggaren ändrats eller tagits bort (bara den här hashen: "
        "`gdpr-bot audit verify --head {hash}`)."
    ),
    "en": (
        "*Ledger seal*: entry {seq}, hash `{hash}`.\n"
        "Keep the line `{seq} {hash}` outside the bot: in a witness file (one line per "
        "seal; `gdpr-bot audit witness --file FILE` appends the ledger's latest entry), in "
        "the ticket system or in an e-mail to the DPO. `gdpr-bot audit verify --witness FILE` "
        "then checks every line kept and shows whether anything in the evidence ledger was "
        "changed or removed (this hash alone: `gdpr-bot audit verify --head {hash}`)."
    ),
}


def ledger_seal_provider(
    session: Session, routine: Routine, scheduled: date, now: datetime
) -> KindContent:
    """Content of one seal occurrence; the `ledger.sealed` entry is appended once.

    The chain head is locked first: a replica that loses the race to create this
    occurrence waits here, then sees the winner's occurrence and appends nothing.
    """
    seq, digest = ledger.lock_head(session)
    exists = session.scalar(
        select(Occurrence.id).where(
            Occurrence.routine_id == routine.id, Occurrence.scheduled_date == scheduled
        )
    )
    if exists is None:
        ledger.append_event(
            session,
            ledger.LEDGER_SEALED,
            {"routine_id": routine.id, "scheduled_date": scheduled, "seq": seq, "hash": digest},
            now,
        )
    return KindContent(
        text={lang: text.format(seq=seq, hash=digest) for lang, text in SEAL_TEXT.items()}
    )
