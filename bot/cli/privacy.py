"""`gdpr-bot privacy export|erase|purge`: the bot's own personal data.

- `export PERSON`: a register extract (registerutdrag, Art. 15) as JSON on stdout or --out.
- `erase PERSON`: erase the person's identity (Art. 17); evidence stays, keyed by an
  opaque key with no identity behind it, and the erasure is itself a ledger entry.
- `purge [--now ISO [--write]]`: run the daily retention job once (question log, handled
  events, pseudonymisation of identities behind evidence older than GDPRBOT_EVIDENCE_YEARS);
  with `--now` a dry run that counts and deletes nothing (see bot/cli/pretend.py).

PERSON is a platform user id (Slack `U…`, Teams AAD object id; `slack:U…` for one platform) or
an e-mail address.
Exit codes: 0 done, 1 no such person, 2 bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from bot import privacy
from bot.cli import pretend
from bot.cli.errors import require_database, usage_error
from bot.cli.keys import use_ledger_keys
from bot.cli.outfile import output_file
from bot.config import Settings
from storage.clock import utc_now
from storage.migrate import create_schema, engine_from_url
from storage.sessions import session_factory, transaction

app = typer.Typer(
    help="The bot's own personal data: register extract, erasure, retention purge.",
    no_args_is_help=True,
)

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2

PersonArg = Annotated[
    str, typer.Argument(help="Platform user id (Slack U…, Teams AAD object id) or e-mail.")
]


@contextmanager
def unit_of_work(settings: Settings) -> Iterator[Session]:
    use_ledger_keys(settings)
    engine = engine_from_url(require_database(settings.database_url))
    try:
        create_schema(engine)
        with transaction(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@app.command("export")
def export_command(
    person: PersonArg,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here instead of stdout.")
    ] = None,
) -> None:
    """Everything the bot holds about one person, as JSON (registerutdrag, Art. 15)."""
    if out is None and sys.stdout is None:  # `>&-`: the extract would vanish, exit 0
        raise usage_error("standard output is closed: give --out FILE")
    try:
        with unit_of_work(Settings()) as session:
            extract = privacy.export_person(session, person, now=utc_now())
    except privacy.PersonNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_NOT_FOUND) from None
    text = json.dumps(extract, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        with output_file(out) as handle:  # a failed write leaves no half an extract
            handle.write((text + "\n").encode("utf-8"))
        typer.echo(f"wrote {out}", err=True)


@app.command("erase")
def erase_command(person: PersonArg) -> None:
    """Erase a person's identity (Art. 17): ids, name, e-mail and conversation references.

    Confirmations and ledger entries stay (they are evidence) but point at a key with
    no identity behind it; reports show "raderad person" / "erased person".
    """
    try:
        with unit_of_work(Settings()) as session:
            erasure = privacy.erase_person(session, person, now=utc_now())
    except privacy.PersonNotFound as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_NOT_FOUND) from None
    for line in describe(erasure):
        typer.echo(line)


@app.command("purge")
def purge_command(
    now: Annotated[
        str,
        typer.Option(
            "--now",
            help="As if it were this ISO date-time (without a zone: GDPRBOT_TIMEZONE): a dry "
            "run that only counts what would go.",
        ),
    ] = "",
    write: Annotated[bool, typer.Option("--write", help=pretend.WRITE_HELP)] = False,
) -> None:
    """Apply every retention limit once (the daily privacy job does the same).

    With --now it is a dry run: it counts what would be purged and deletes nothing."""
    settings = Settings()
    moment = pretend.parse_now(now, settings.timezone)
    dry_run = pretend.check_write(moment, bool(now), write)
    use_ledger_keys(settings)
    if dry_run:
        typer.echo(pretend.dry_run_banner(moment))
    if not dry_run:
        require_database(settings.database_url)
    engine = pretend.engine_for(settings.database_url, dry_run)
    try:
        with pretend.sessions_for(engine, dry_run) as factory, transaction(factory) as session:
            result = privacy.run_daily(
                session,
                now=moment,
                question_log_days=settings.question_log_days,
                evidence_years=settings.evidence_years,
                requests_years=settings.requests_years,
                timezone=settings.timezone,
                identity_idle_days=settings.identity_idle_days,
            )
    finally:
        engine.dispose()
    verb = "would be " if dry_run else ""
    typer.echo(f"questions {verb}purged (older than {settings.question_log_days} days): "
               f"{result.questions_purged}")  # fmt: skip
    typer.echo(f"handled events {verb}purged: {result.events_purged}")
    typer.echo(f"report files {verb}purged (download link expired): {result.reports_purged}")
    typer.echo(
        f"identities {verb}pseudonymised (evidence older than {settings.evidence_years} "
        f"years): {result.identities_pseudonymised}"
    )
    typer.echo(f"rights requests {verb}purged (received over {settings.requests_years} "
               f"years ago): {result.requests_purged}")  # fmt: skip
    typer.echo(f"unprocessed inbox events {verb}purged: {result.inbox_purged}")
    idle = settings.identity_idle_days
    typer.echo(f"identities without evidence {verb}forgotten (not seen for {idle} days): "
               f"{result.idle_identities_forgotten}")  # fmt: skip
    if dry_run:
        typer.echo("dry run: nothing was written")


def describe(erasure: privacy.Erasure) -> list[str]:
    return [
        f"erased {len(erasure.person_keys)} identity row(s): {', '.join(erasure.person_keys)}",
        f"conversation references deleted: {erasure.references_deleted}",
        f"question-log links removed: {erasure.questions_unlinked}",
        f"pending messages cancelled: {erasure.notifications_cancelled}",
        "ledger: one person.erased entry per identity; run `gdpr-bot audit verify` to check",
    ]
