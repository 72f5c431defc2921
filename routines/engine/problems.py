"""Delivery problems someone has to fix: the bot is not in a routine's channel, the channel
does not exist or is archived (Slack), the app is not installed there (Teams).

Such a post is not retried like a transient failure (its outbox row is FAILED with
`<problem>: <detail>` as its last error: that row is the occurrence's record of the
problem). Once per occurrence, the routine's people (escalation targets, then named
assignees) get a PROBLEM notice naming the routine, the channel and how to fix it; the
unique outbox key makes that once, whichever replica saw the failure. `overdue` and
`gdpr-bot doctor` list the problems.

While the occurrence is open, the tick tries the post once more every PROBE_INTERVAL (one
Web API call per broken channel post): once someone has invited the bot, the routine
reaches the channel within that interval, and the people are not told a second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from routines.catalog import Routine, Target
from routines.engine.models import FAILED, OPEN, PENDING, PROBLEM, Notification, Occurrence
from routines.engine.occurrences import enqueue, recipient_rows
from routines.ports import UNDELIVERABLE, Notice, Recipient

PROBE_INTERVAL = timedelta(minutes=15)

TEXTS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Rutinen kunde inte postas",
        "line": "⚠️ Jag kunde inte posta *{title}* (förfaller {due}) i kanalen `{channel}`: {why}.",
        "fix": "Så åtgärdar du det: {fix}. Kör `gdpr-bot doctor` för att kontrollera.",
        "not_in_channel": "boten är inte medlem i kanalen",
        "not_in_channel_fix": "bjud in boten i kanalen med `/invite @gdpr-bot`",
        "channel_not_found": "kanalen finns inte, eller boten kan inte se den",
        "channel_not_found_fix": "rätta kanal-id:t i rutinkatalogen (post_to)",
        "is_archived": "kanalen är arkiverad",
        "is_archived_fix": "återställ kanalen eller flytta rutinen till en annan kanal",
        "not_installed": "appen är inte tillagd i kanalen",
        "not_installed_fix": "lägg till appen i teamet och kanalen",
    },
    "en": {
        "title": "The routine could not be posted",
        "line": "⚠️ I could not post *{title}* (due {due}) in the channel `{channel}`: {why}.",
        "fix": "To fix it: {fix}. Run `gdpr-bot doctor` to check.",
        "not_in_channel": "the bot is not a member of the channel",
        "not_in_channel_fix": "invite the bot into the channel with `/invite @gdpr-bot`",
        "channel_not_found": "the channel does not exist, or the bot cannot see it",
        "channel_not_found_fix": "correct the channel id in the routine catalogue (post_to)",
        "is_archived": "the channel is archived",
        "is_archived_fix": "unarchive the channel or move the routine to another channel",
        "not_installed": "the app has not been added to the channel",
        "not_installed_fix": "add the app to the team and the channel",
    },
}


@dataclass(frozen=True)
class DeliveryProblem:
    occurrence_id: int
    routine_id: str
    platform: str
    channel: str
    problem: str  # one of routines.ports.UNDELIVERABLE


def problem_of(last_error: str | None) -> str:
    """The problem code a FAILED row was recorded with ('' if none)."""
    code = (last_error or "").split(":", 1)[0]
    return code if code in UNDELIVERABLE else ""


def record(
    session: Session,
    row: Notification,
    routine: Routine,
    channel: Recipient,
    problem: str,
    detail: str,
    now: datetime,
    contacts: Sequence[Target] = (),
) -> int:
    """Mark the row's failure as `problem` and queue the fix-it notice for the routine's
    people and `contacts` (the compliance officers), once per occurrence and person;
    returns how many notices were new."""
    row.last_error = f"{problem}: {detail}"[:500]
    row.not_before = now + PROBE_INTERVAL  # when retry_due tries the post again
    targets = routine.escalate.to if routine.escalate else ()
    people = [*targets, *routine.assignees.people, *contacts]
    recipients = [
        r
        for r in recipient_rows(session, people, now)
        if not (r[1] == "channel" and r[0] == channel.platform and r[2] == channel.address)
    ]
    return enqueue(session, row.occurrence_id, PROBLEM, recipients, 0, now, now)


def open_problems(
    session: Session, occurrence_ids: Iterable[int] | None = None
) -> list[DeliveryProblem]:
    """Delivery problems of open occurrences (of `occurrence_ids`, or all), oldest first."""
    n, o = Notification, Occurrence
    stmt = (
        select(n.occurrence_id, o.routine_id, n.recipient_platform, n.recipient_address,
               n.last_error)
        .join(o, o.id == n.occurrence_id)
        .where(n.status == FAILED, n.recipient_kind == "channel", o.status == OPEN)
        .order_by(n.occurrence_id, n.id)
    )  # fmt: skip
    if occurrence_ids is not None:
        stmt = stmt.where(n.occurrence_id.in_(list(occurrence_ids)))
    found: dict[tuple[int, str, str], DeliveryProblem] = {}
    for occurrence_id, routine_id, platform, channel, error in session.execute(stmt):
        problem = problem_of(error)
        if problem:
            key = (occurrence_id, platform, channel)
            found.setdefault(
                key, DeliveryProblem(occurrence_id, routine_id, platform, channel, problem)
            )
    return list(found.values())


def retry_due(session: Session, now: datetime) -> int:
    """Put the undeliverable channel posts of open occurrences whose probe time has come
    back in the outbox (they fail again, quietly, until the channel is fixed)."""
    return _requeue(session, now, Notification.not_before <= now)


def requeue_channel(session: Session, platform: str, channel: str, now: datetime) -> int:
    """The bot was added to `channel`: its undeliverable posts go out now."""
    n = Notification
    return _requeue(session, now, n.recipient_platform == platform, n.recipient_address == channel)


def _requeue(session: Session, now: datetime, *where: Any) -> int:
    n = Notification
    candidates = session.execute(
        select(n.id, n.last_error)
        .join(Occurrence, Occurrence.id == n.occurrence_id)
        .where(n.status == FAILED, n.recipient_kind == "channel", n.kind != PROBLEM,
               Occurrence.status == OPEN, *where)
    ).all()  # fmt: skip
    ids = [row_id for row_id, error in candidates if problem_of(error)]
    if not ids:
        return 0
    session.execute(
        update(n)
        .where(n.id.in_(ids), n.status == FAILED)
        .values(status=PENDING, not_before=now, claimed_by=None, claimed_until=None)
    )
    return len(ids)


def render(routine: Routine, occurrence: Occurrence, found: DeliveryProblem, lang: str) -> Notice:
    """The fix-it notice: which routine, which channel, what is wrong and what to do."""
    texts = TEXTS.get(lang, TEXTS["sv"])
    title = routine.text(routine.title, lang)
    line = texts["line"].format(
        title=title,
        due=occurrence.due_date.isoformat(),
        channel=found.channel,
        why=texts[found.problem],
    )
    return Notice(
        kind="info",
        routine_id=routine.id,
        title=texts["title"],
        text=line + "\n" + texts["fix"].format(fix=texts[found.problem + "_fix"]),
        lang=lang,
        occurrence_id=occurrence.id,
        due_date=occurrence.due_date,
    )
