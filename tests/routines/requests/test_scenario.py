"""One request from call to proof: registered, reminded, escalated, forwarded late, reported."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from routines import ledger
from routines.ports import Recipient
from routines.requests.register import RequestRegister
from routines.requests.reminders import ClientContacts, RequestReminders
from routines.requests.report import client_report, record_export, render
from storage.sessions import session_factory
from tests.routines.requests.conftest import AGENT
from tests.routines.routine_env import RecordingNotifier

LEAD = Recipient("teams", "person", "aad-lead")
OFFICER = Recipient("slack", "person", "U0DPO")
# Friday 11 June 2027: two business days to forward, so Tuesday 15 June
FRIDAY = datetime(2027, 6, 11, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2027, 6, 15, 7, 0, tzinfo=UTC)
WEDNESDAY = datetime(2027, 6, 16, 7, 0, tzinfo=UTC)
FRIDAY_AFTER = datetime(2027, 6, 18, 7, 0, tzinfo=UTC)


async def test_a_late_request_leaves_a_complete_trail_and_shows_as_late_in_the_report(
    engine: Engine, register: RequestRegister
) -> None:
    notifier = RecordingNotifier()
    sessions = session_factory(engine)
    reminders = RequestReminders(
        sessions, notifier, clients={"acme": ClientContacts("Acme AB", "Acme AB", "x", (LEAD,))},
        officers=(OFFICER,), timezone="Europe/Stockholm",
    )  # fmt: skip
    code = register.register(
        client_id="acme", kind="portability", received_on=date(2027, 6, 11), business_days=2,
        now=FRIDAY, actor=AGENT, client_ref="AC-77",
    ).request.code  # fmt: skip

    for moment in (TUESDAY, WEDNESDAY, FRIDAY_AFTER):
        await reminders.run(moment)
    forwarded = register.forward(code, now=FRIDAY_AFTER, actor=AGENT, via="portal")
    report = client_report(register, "acme", "Acme AB", date(2027, 6, 1), date(2027, 6, 30),
                           FRIDAY_AFTER)  # fmt: skip
    content = render(report, "csv")
    record_export(sessions, report, "csv", content, now=FRIDAY_AFTER)

    assert [r.address for r, _ in notifier.sent] == [AGENT.user_id, "aad-lead", "U0DPO"]
    assert forwarded.late
    assert report.figures()["forwarded_late"] == 1
    assert report.figures()["median_business_days_to_forward"] == 5.0
    assert f"{code},acme,portability,AC-77,2027-06-11,2027-06-15," in content.decode()
    with engine.connect() as conn:
        events = conn.execute(text("select event from ledger_entries order by seq")).scalars()
        assert list(events) == [
            "request.registered", "request.reminded", "request.reminded", "request.reminded",
            "request.forwarded", "report.exported",
        ]  # fmt: skip
    assert ledger.verify(engine).ok
