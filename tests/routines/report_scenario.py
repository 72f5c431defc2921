"""A first quarter of 2027 with every outcome, for report and chat tests (not a test module).

As of 2027-04-10 (Europe/Stockholm), period 2027-Q1:

- A retention 01-04, due 01-18: done; Anna confirmed 01-10 (Bo, also assigned, need not).
- B1 dsr-queue 01-04, due 01-11: late; Bo confirmed 01-14 (3 days late).
- B2 dsr-queue 02-01, due 02-08: missed; Bo never confirmed; closed 03-01 (21 days).
- B3 dsr-queue 03-01, due 03-08: not applicable; Anna: no access requests in March.
- B4 dsr-queue 03-29, due 04-12: open, not yet due (pending).
- C training 02-15, due 03-15, confirm all: open and overdue (missing); Anna confirmed
  03-20 (5 days late), Cecilia (since erased) never (26 days overdue on 04-10).
- retention 04-01 is outside Q1.

Expected: 6 occurrences, 1 on time, 1 late, 2 missing, 1 not applicable, 1 pending;
adherence 1/4 = 25 %; median days late 3; 8 detail rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.engine import models as m
from routines.reports.adherence import RoutineInfo, Scope, parse_period
from storage.engines import make_engine
from storage.people import Person
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 4, 10, 7, 0, tzinfo=UTC)
NOTE_WITH_SPECIALS = 'Kontrollerat; 3 ärenden,\n"inga" avvikelser'
FORMULA_NOTE = '=HYPERLINK("http://evil")'
LEAD_NOTE = "Gallring körd i CRM, se ärende INC-4711"
NA_REASON = "Inga registerutdrag i mars"
ROUTINES = {
    "retention": RoutineInfo("Gallring av kunddata", "#gdpr"),
    "dsr-queue": RoutineInfo("Kontroll av registerutdrag", "#kundtjanst"),
    "training": RoutineInfo("GDPR-utbildning", "#gdpr"),
}


@dataclass(frozen=True)
class People:
    anna: str = "k-anna"
    bo: str = "k-bo"
    cecilia: str = "k-cecilia"


PEOPLE = People()


def scope(lang: str = "sv", routine_id: str | None = None) -> Scope:
    return Scope(
        period=parse_period("2027-Q1"),
        now=NOW,
        timezone="Europe/Stockholm",
        routine_id=routine_id,
        lang=lang,
        routines=ROUTINES,
    )


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A fixture body: a fresh schema at `database_url` holding the scenario, disposed after."""
    from storage.migrate import create_schema

    engine = make_engine(database_url)
    create_schema(engine)
    factory = session_factory(engine)
    build(factory)
    yield factory
    engine.dispose()


def build(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        for key, name, erased in (
            (PEOPLE.anna, "Anna Andersson", False),
            (PEOPLE.bo, "Bo Berg", False),
            (PEOPLE.cecilia, "Cecilia Ek", True),
        ):
            s.add(
                Person(
                    person_key=key,
                    platform="slack",
                    platform_user_id=f"U-{key}",
                    display_name=None if erased else name,
                    created_at=_at(date(2026, 12, 1)),
                    last_seen_at=_at(date(2026, 12, 1)),
                    erased_at=_at(date(2027, 4, 1)) if erased else None,
                )
            )
        a = _occ(
            s,
            "retention",
            date(2027, 1, 4),
            date(2027, 1, 18),
            m.DONE,
            _at(date(2027, 1, 10), 9, 12),
        )
        _assign(s, a, PEOPLE.anna, PEOPLE.bo)
        _confirm(s, a, PEOPLE.anna, _at(date(2027, 1, 10), 9, 12), FORMULA_NOTE)
        _note(s, a, PEOPLE.anna, _at(date(2027, 1, 10), 9, 30), LEAD_NOTE)

        b1 = _occ(
            s, "dsr-queue", date(2027, 1, 4), date(2027, 1, 11), m.LATE, _at(date(2027, 1, 14))
        )
        _assign(s, b1, PEOPLE.bo)
        _confirm(s, b1, PEOPLE.bo, _at(date(2027, 1, 14)), NOTE_WITH_SPECIALS)

        b2 = _occ(
            s, "dsr-queue", date(2027, 2, 1), date(2027, 2, 8), m.MISSED, _at(date(2027, 3, 1))
        )
        _assign(s, b2, PEOPLE.bo)

        b3 = _occ(
            s,
            "dsr-queue",
            date(2027, 3, 1),
            date(2027, 3, 8),
            m.NOT_APPLICABLE,
            _at(date(2027, 3, 2)),
        )
        b3.reason = NA_REASON
        _assign(s, b3, PEOPLE.anna)
        _confirm(s, b3, PEOPLE.anna, _at(date(2027, 3, 2)), NA_REASON, kind=m.NA)

        b4 = _occ(s, "dsr-queue", date(2027, 3, 29), date(2027, 4, 12), m.OPEN, None)
        _assign(s, b4, PEOPLE.bo)

        c = _occ(
            s, "training", date(2027, 2, 15), date(2027, 3, 15), m.OPEN, None, confirm_mode="all"
        )
        _assign(s, c, PEOPLE.anna, PEOPLE.cecilia)
        _confirm(s, c, PEOPLE.anna, _at(date(2027, 3, 20)), None)

        outside = _occ(s, "retention", date(2027, 4, 1), date(2027, 4, 15), m.OPEN, None)
        _assign(s, outside, PEOPLE.anna)  # fmt: skip


def _occ(
    s: Session,
    routine_id: str,
    scheduled: date,
    due: date,
    status: str,
    closed_at: datetime | None,
    confirm_mode: str = "any",
) -> m.Occurrence:
    occ = m.Occurrence(
        routine_id=routine_id,
        scheduled_date=scheduled,
        post_date=scheduled,
        due_date=due,
        status=status,
        confirm_mode=confirm_mode,
        anyone_in_channel=False,
        created_at=_at(scheduled),
        created_late=False,
        closed_at=closed_at,
    )
    s.add(occ)
    s.flush()
    ledger.append_event(
        s,
        ledger.OCCURRENCE_CREATED,
        {
            "occurrence_id": occ.id,
            "routine_id": routine_id,
            "scheduled_date": scheduled,
            "due_date": due,
        },  # as routines/engine/occurrences.py records it
        _at(scheduled),
    )
    return occ


def _assign(s: Session, occ: m.Occurrence, *keys: str) -> None:
    for key in keys:
        s.add(m.OccurrenceAssignee(occurrence_id=occ.id, person_key=key, platform="slack"))


def _note(s: Session, occ: m.Occurrence, key: str, at: datetime, text: str) -> None:
    note = m.OccurrenceNote(occurrence_id=occ.id, person_key=key, text=text, created_at=at)
    s.add(note)
    s.flush()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ledger.append_event(s, ledger.NOTE_ADDED, {"occurrence_id": occ.id, "person_key": key,
                        "note_id": note.id, "note_sha256": digest}, at)  # fmt: skip


def _confirm(
    s: Session, occ: m.Occurrence, key: str, at: datetime, note: str | None, kind: str = m.CONFIRM
) -> None:
    s.add(m.Confirmation(occurrence_id=occ.id, person_key=key, kind=kind, note=note, created_at=at))
    event = ledger.CONFIRMATION_RECORDED if kind == m.CONFIRM else ledger.OCCURRENCE_NOT_APPLICABLE
    ledger.append_event(s, event, {"occurrence_id": occ.id, "person_key": key}, at)
