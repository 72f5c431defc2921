"""What a routine post, reminder and escalation say (sv + en) and which buttons they carry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from routines.catalog import load_catalog
from routines.engine.models import ESCALATION, POST, REMINDER, Occurrence
from routines.engine.notices import render, render_closed

RETENTION = load_catalog().get("retention-review")


def occurrence(**changes: object) -> Occurrence:
    values: dict[str, object] = {
        "id": 12,
        "routine_id": "retention-review",
        "scheduled_date": date(2027, 1, 1),
        "post_date": date(2027, 1, 4),
        "due_date": date(2027, 1, 18),
        "status": "open",
        "created_at": datetime(2027, 1, 4, 8, tzinfo=UTC),
        "created_late": False,
    }
    values.update(changes)
    return Occurrence(**values)


def test_a_reminder_shows_why_when_what_counts_and_three_buttons() -> None:
    assert RETENTION is not None
    notice = render(REMINDER, RETENTION, occurrence(), "en", date(2027, 1, 11))
    assert notice.kind == "reminder" and notice.occurrence_id == 12
    assert "Reminder: *Quarterly retention review" in notice.text
    assert "*Why:* GDPR art. 5(1)(e)" in notice.text
    assert "*Due:* 2027-01-18" in notice.text
    assert "*What counts as done:* Walk through the retention schedule" in notice.text
    assert [(a.kind, a.label, a.value) for a in notice.actions] == [
        ("confirm", "Confirm done", "12"),
        ("not_applicable", "Not applicable", "12"),
        ("note", "Add note", "12"),
    ]


def test_a_post_created_by_catch_up_says_it_is_late_in_swedish() -> None:
    assert RETENTION is not None
    notice = render(POST, RETENTION, occurrence(created_late=True), "sv", date(2027, 1, 14))
    assert notice.title == "Kvartalsvis gallring av personuppgifter"
    assert "Postas i efterhand: skulle ha kommit 2027-01-04." in notice.text
    assert "*Klart senast:* 2027-01-18" in notice.text


def test_an_escalation_names_who_is_missing_and_has_no_buttons() -> None:
    assert RETENTION is not None
    notice = render(ESCALATION, RETENTION, occurrence(), "sv", date(2027, 1, 25), ["Anna", "Bo"])
    assert "är 7 dagar försenad" in notice.text
    assert "*Har inte bekräftat:* Anna, Bo" in notice.text
    assert notice.actions == ()


def test_a_closed_occurrence_renders_who_confirmed_and_when_in_local_time() -> None:
    assert RETENTION is not None
    closed = occurrence(status="done", closed_at=datetime(2027, 1, 5, 9, 12, tzinfo=UTC))
    notice = render_closed(RETENTION, closed, "sv", "Anna")
    assert notice.text == "✅ Bekräftad av Anna, 2027-01-05 10:12"
    assert notice.actions == ()
