"""The training report: per campaign (an occurrence of a `training` routine) its
audience, how many passed, failed or have not finished, the pass rate and who is overdue.

`gdpr-bot report --training` writes it as CSV or JSON. Names appear only for those
overdue (whom to chase), as the adherence report names who has not confirmed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from routines.catalog import Catalog
from routines.engine.models import Confirmation, Occurrence, OccurrenceAssignee
from routines.engine.training import TrainingAttempt
from routines.reports.adherence import Period
from storage.people import display_name_of

TRAINING_FORMATS = ("csv", "json")
COLUMNS = (
    "occurrence_id", "routine_id", "due_date", "status", "audience", "passed", "failed",
    "not_finished", "pass_rate", "overdue",
)  # fmt: skip


@dataclass(frozen=True)
class CampaignRow:
    occurrence_id: int
    routine_id: str
    due_date: date
    status: str
    audience: int
    passed: int
    failed: int  # finished their latest attempt without passing
    not_finished: int  # not started, or an attempt under way
    pass_rate: float | None  # passed / audience
    overdue: tuple[str, ...]  # names of those not passed once the due date is behind


def training_rows(
    session: Session, catalog: Catalog, period: Period, today: date, routine_id: str | None = None
) -> list[CampaignRow]:
    """One row per training campaign due in `period` (oldest first)."""
    training = [r.id for r in catalog.routines if r.kind == "training"]
    if routine_id is not None:
        training = [r for r in training if r == routine_id]
    occurrences = session.scalars(
        select(Occurrence)
        .where(
            Occurrence.routine_id.in_(training),
            Occurrence.due_date >= period.start,
            Occurrence.due_date <= period.end,
        )
        .order_by(Occurrence.due_date, Occurrence.id)
    ).all()
    return [_row(session, occurrence, today) for occurrence in occurrences]


def _row(session: Session, occurrence: Occurrence, today: date) -> CampaignRow:
    audience = list(
        session.scalars(
            select(OccurrenceAssignee.person_key).where(
                OccurrenceAssignee.occurrence_id == occurrence.id
            )
        )
    )
    confirmed = set(
        session.scalars(
            select(Confirmation.person_key).where(Confirmation.occurrence_id == occurrence.id)
        )
    )
    latest: dict[str, TrainingAttempt] = {}
    for attempt in session.scalars(
        select(TrainingAttempt)
        .where(TrainingAttempt.occurrence_id == occurrence.id)
        .order_by(TrainingAttempt.attempt)
    ):
        latest[attempt.person_key] = attempt
    passed = [k for k in audience if k in confirmed]
    failed = [
        k for k in audience
        if k not in confirmed and k in latest and latest[k].passed is False
    ]  # fmt: skip
    late = occurrence.due_date < today
    overdue = tuple(
        display_name_of(session, k) or "(erased)" for k in audience if late and k not in confirmed
    )
    return CampaignRow(
        occurrence.id, occurrence.routine_id, occurrence.due_date, occurrence.status,
        len(audience), len(passed), len(failed), len(audience) - len(passed) - len(failed),
        round(len(passed) / len(audience), 4) if audience else None, overdue,
    )  # fmt: skip


def render_training(rows: Sequence[CampaignRow], fmt: str) -> str:
    if fmt == "json":
        items = [{**asdict(r), "due_date": r.due_date.isoformat(), "overdue": list(r.overdue)}
                 for r in rows]  # fmt: skip
        return json.dumps({"campaigns": items}, ensure_ascii=False, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [r.occurrence_id, r.routine_id, r.due_date.isoformat(), r.status, r.audience,
             r.passed, r.failed, r.not_finished, "" if r.pass_rate is None else r.pass_rate,
             "; ".join(r.overdue)]
        )  # fmt: skip
    return buffer.getvalue()
