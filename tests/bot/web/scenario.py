"""A year of routines lived through the real engine, for the web page tests (not a test module).

Three monthly routines in two teams (Slack channels C0OPS and C0SUP) run from 2026-05-01
to NOW (2027-05-20 10:00, Stockholm): the engine ticks every morning (posts, reminders,
re-reminders and escalations go through a recording notifier and into the ledger), and
each occurrence is answered by a fixed plan, in turn (each routine starting at its
OFFSET): on time (with an evidence link and a note), late, on time, missing (never
answered; closed as missed by the next one), not applicable (with a reason), on time.
`expected` holds the outcome each occurrence should have at NOW, from that plan alone, so
the pages are checked against the intent, not against the queries they run.

People: U0DPO is the compliance officer; U0LEADOPS leads retention-review (assignee),
U0HEADOPS is its escalation target (so both lead team C0OPS, which also holds
access-review); U0LEADSUP leads dsr-check, the only routine of team C0SUP.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from routines.catalog import Catalog, load_catalog
from routines.engine import models as m
from routines.ports import Delivered, Notice, Recipient
from routines.service import Actor, RoutineService
from storage.engines import make_engine
from storage.migrate import create_schema
from storage.people import person_key_for
from storage.sessions import session_factory, transaction

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = date(2026, 5, 1)
TODAY = date(2027, 5, 20)
NOW = datetime.combine(TODAY, time(10, 0), STOCKHOLM).astimezone(UTC)
OFFICER = "U0DPO"
LEADS = {"U0LEADOPS": "Olle Ops", "U0HEADOPS": "Hedvig Head", "U0LEADSUP": "Sara Support"}
EVIDENCE_URL = "https://intranet.example.com/gallring/{month}"
NA_REASON = "Inga nya system den här månaden"
PLAN = ("on_time", "late", "on_time", "missing", "not_applicable", "on_time")
# Where each routine starts in PLAN: at NOW retention-review's newest occurrence is open
# and overdue, access-review's was done on time, dsr-check's is not due yet (pending).
OFFSET = {"retention-review": 3, "access-review": 0, "dsr-check": 3}

CATALOGUE = """\
routines:
  - id: retention-review
    title: {sv: Gallring av kunddata, en: Customer data retention}
    description: {sv: Radera det som inte behövs., en: Delete what is not needed.}
    schedule: {every: month, anchor: 2026-05-04}
    due_days: 7
    post_to: [{platform: slack, channel: C0OPS}]
    assignees: {people: ["slack:U0LEADOPS"]}
    remind: {before: [2], every: 3}
    escalate: {after_days: 2, to: [{platform: slack, person: U0HEADOPS}]}
    evidence: optional
  - id: access-review
    title: {sv: Behörighetsgenomgång, en: Access review}
    description: {sv: "Vem kommer åt vad?", en: "Who can reach what?"}
    schedule: {every: month, anchor: 2026-05-06}
    due_days: 5
    post_to: [{platform: slack, channel: C0OPS}]
    assignees: {people: ["slack:U0HEADOPS"]}
    evidence: optional
  - id: dsr-check
    title: {sv: Kontroll av registerutdrag, en: Access request check}
    description: {sv: "Är alla besvarade?", en: "Are all answered?"}
    schedule: {every: month, anchor: 2026-05-11}
    due_days: 12
    post_to: [{platform: slack, channel: C0SUP}]
    assignees: {people: ["slack:U0LEADSUP"]}
    evidence: optional
"""


class QuietNotifier:
    """Accepts every post (the ledger records them as posted)."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        self.sent += 1
        return Delivered(recipient, f"{self.sent}.0001", conversation_id=recipient.address)

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        return None


@dataclass(frozen=True)
class Planned:
    occurrence_id: int
    routine_id: str
    scheduled: date
    due: date
    intent: str


@dataclass
class Scenario:
    database_url: str
    catalog_path: Path
    planned: list[Planned] = field(default_factory=list)
    done: set[int] = field(default_factory=set)  # occurrences whose answer was given

    def expected(self, occurrence: Planned) -> str:
        """The report's outcome at NOW, from the plan: what was answered, else pending
        until the due date and missing after it."""
        if occurrence.occurrence_id in self.done:
            return occurrence.intent
        return "pending" if occurrence.due >= TODAY else "missing"

    def counts(self, start: date, end: date, routines: Iterable[str] | None = None) -> Counter[str]:
        chosen = set(routines) if routines is not None else None
        return Counter(
            self.expected(p)
            for p in self.planned
            if start <= p.scheduled <= end and (chosen is None or p.routine_id in chosen)
        )

    def of(self, routine_id: str) -> list[Planned]:
        return [p for p in self.planned if p.routine_id == routine_id]

    def overdue(self, routines: Iterable[str] | None = None) -> list[Planned]:
        """Unanswered past their due date and not yet closed by a newer occurrence."""
        chosen = set(routines) if routines is not None else None
        return [
            p
            for p in self.planned
            if p.occurrence_id not in self.done
            and p.due < TODAY
            and (chosen is None or p.routine_id in chosen)
            and not any(q.scheduled > p.scheduled for q in self.of(p.routine_id))
        ]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), STOCKHOLM).astimezone(UTC)


def build(tmp: Path) -> Scenario:
    """Seed a SQLite database in `tmp` by living the year; returns what was planned."""
    catalog_path = tmp / "routines.yaml"
    catalog_path.write_text(textwrap.dedent(CATALOGUE), encoding="utf-8")
    scenario = Scenario(f"sqlite:///{tmp / 'web.db'}", catalog_path)
    catalog = load_catalog([catalog_path], include_default=False)
    engine = make_engine(scenario.database_url)
    create_schema(engine)
    try:
        asyncio.run(_live(scenario, catalog, engine))
        with transaction(session_factory(engine)) as session:  # the officer has chatted once
            person_key_for(session, "slack", OFFICER, NOW, display_name="Dana Dataskydd")
    finally:
        engine.dispose()
    return scenario


async def _live(scenario: Scenario, catalog: Catalog, engine: object) -> None:
    factory = session_factory(engine)  # type: ignore[arg-type]
    service = RoutineService(factory, catalog, QuietNotifier(), language="sv")
    answers: dict[date, list[tuple[Planned, datetime]]] = {}
    seen: set[int] = set()
    turn: Counter[str] = Counter()
    day = START
    while day <= TODAY:
        await service.tick(_local(day, 9, 5))
        with transaction(factory) as session:
            new = session.execute(
                select(m.Occurrence.id, m.Occurrence.routine_id, m.Occurrence.scheduled_date,
                       m.Occurrence.due_date).where(m.Occurrence.id.not_in(seen))
            ).all()  # fmt: skip
        for occurrence_id, routine_id, scheduled, due in sorted(new):
            seen.add(occurrence_id)
            intent = PLAN[(OFFSET[routine_id] + turn[routine_id]) % len(PLAN)]
            turn[routine_id] += 1
            planned = Planned(occurrence_id, routine_id, scheduled, due, intent)
            scenario.planned.append(planned)
            when = {
                "on_time": _local(scheduled + timedelta(days=1), 14),
                "late": _local(due + timedelta(days=2), 10),
                "not_applicable": _local(scheduled + timedelta(days=1), 15),
            }.get(intent)
            if when is not None:
                answers.setdefault(when.astimezone(STOCKHOLM).date(), []).append((planned, when))
        for planned, when in answers.pop(day, []):
            if when <= NOW:
                _answer(service, planned, when)
                scenario.done.add(planned.occurrence_id)
        day += timedelta(days=1)


def _answer(service: RoutineService, planned: Planned, when: datetime) -> None:
    lead = {
        "retention-review": "U0LEADOPS", "access-review": "U0HEADOPS", "dsr-check": "U0LEADSUP"
    }[planned.routine_id]  # fmt: skip
    actor = Actor("slack", lead, LEADS[lead], None)
    if planned.intent == "not_applicable":
        outcome = service.not_applicable(planned.occurrence_id, actor, NA_REASON, when)
        assert outcome.result == "not_applicable", outcome
        return
    note = EVIDENCE_URL.format(month=planned.scheduled.strftime("%Y-%m"))
    outcome = service.confirm(planned.occurrence_id, actor, when, note=f"Klart, se {note}")
    assert outcome.result in ("completed", "confirmed"), outcome
    if planned.intent == "on_time":
        service.add_note(planned.occurrence_id, actor, "Loggen sparad i ärendet", when)
