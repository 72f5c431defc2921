"""Reminders and escalations of rights requests not forwarded in time, each stage once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text

from routines import ledger
from routines.ports import Recipient
from routines.requests.register import RequestRegister
from routines.requests.reminders import ClientContacts, RequestReminders
from storage.sessions import session_factory
from tests.routines.requests.conftest import AGENT
from tests.routines.routine_env import RecordingNotifier

# Monday 8 March 2027 at 10:00 Stockholm; received then, forward within 1 business day
RECEIVED = date(2027, 3, 8)
REGISTERED = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
DUE_DAY = datetime(2027, 3, 9, 7, 0, tzinfo=UTC)  # Tuesday, the forward-by day
LATE_DAY = datetime(2027, 3, 10, 7, 0, tzinfo=UTC)  # Wednesday: late
TWO_LATE = datetime(2027, 3, 11, 7, 0, tzinfo=UTC)  # Thursday: two business days late
LEAD = Recipient("slack", "person", "U0LEAD")
OFFICER = Recipient("slack", "person", "U0DPO")
ACME = ClientContacts("Acme AB", "Acme AB (556000-0000)", "dataskydd@acme.example", (LEAD,))


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def reminders(engine: Engine, notifier: RecordingNotifier) -> RequestReminders:
    return RequestReminders(
        session_factory(engine),
        notifier,
        clients={"acme": ACME},
        officers=(OFFICER,),
        timezone="Europe/Stockholm",
    )


def _register(register: RequestRegister, *, agent: bool = True) -> str:
    return register.register(
        client_id="acme", kind="erasure", received_on=RECEIVED, business_days=1,
        now=REGISTERED, actor=AGENT if agent else None,
    ).request.code  # fmt: skip


def _told(notifier: RecordingNotifier) -> list[tuple[str, str]]:
    return [(notice.kind, recipient.address) for recipient, notice in notifier.sent]


async def test_nothing_is_sent_before_the_forward_by_day(
    register: RequestRegister, reminders: RequestReminders, notifier: RecordingNotifier
) -> None:
    _register(register)

    assert await reminders.run(REGISTERED) == []
    assert notifier.sent == []


async def test_on_the_forward_by_day_the_agent_is_reminded_once(
    register: RequestRegister, reminders: RequestReminders, notifier: RecordingNotifier
) -> None:
    code = _register(register)

    await reminders.run(DUE_DAY)
    await reminders.run(DUE_DAY)

    assert _told(notifier) == [("reminder", AGENT.user_id)]
    ((_, notice),) = notifier.sent
    assert code in notice.text and "dataskydd@acme.example" in notice.text
    assert "2027-03-09" in notice.text


async def test_late_it_goes_to_the_team_lead_and_then_the_officers(
    register: RequestRegister, reminders: RequestReminders, notifier: RecordingNotifier
) -> None:
    _register(register)

    for moment in (DUE_DAY, LATE_DAY, LATE_DAY, TWO_LATE, TWO_LATE):
        await reminders.run(moment)

    assert _told(notifier) == [
        ("reminder", AGENT.user_id), ("escalation", "U0LEAD"), ("escalation", "U0DPO"),
    ]  # fmt: skip


async def test_due_on_a_friday_the_team_lead_is_told_on_the_monday_not_at_the_weekend(
    register: RequestRegister, reminders: RequestReminders, notifier: RecordingNotifier
) -> None:
    register.register(
        client_id="acme", kind="access", received_on=date(2027, 3, 11), business_days=1,
        now=datetime(2027, 3, 11, 9, 0, tzinfo=UTC), actor=AGENT,
    )  # Thursday: due Friday 12 March  # fmt: skip

    await reminders.run(datetime(2027, 3, 12, 7, 0, tzinfo=UTC))  # Friday: the agent
    await reminders.run(datetime(2027, 3, 13, 7, 0, tzinfo=UTC))  # Saturday
    await reminders.run(datetime(2027, 3, 14, 7, 0, tzinfo=UTC))  # Sunday
    assert _told(notifier) == [("reminder", AGENT.user_id)]

    await reminders.run(datetime(2027, 3, 15, 7, 0, tzinfo=UTC))  # Monday
    assert _told(notifier)[1:] == [("escalation", "U0LEAD")]


async def test_a_forwarded_request_is_left_alone(
    register: RequestRegister, reminders: RequestReminders, notifier: RecordingNotifier
) -> None:
    code = _register(register)
    register.forward(code, now=REGISTERED, actor=AGENT)

    await reminders.run(TWO_LATE)

    assert notifier.sent == []


async def test_two_replicas_passing_at_once_send_each_stage_once(
    engine: Engine, register: RequestRegister, notifier: RecordingNotifier
) -> None:
    _register(register)
    replicas = [
        RequestReminders(session_factory(engine), notifier, clients={"acme": ACME},
                         officers=(OFFICER,), timezone="Europe/Stockholm")
        for _ in range(2)
    ]  # fmt: skip

    for replica in replicas:
        await replica.run(DUE_DAY)

    assert _told(notifier) == [("reminder", AGENT.user_id)]


async def test_each_stage_is_a_ledger_entry_even_with_nobody_to_tell(
    engine: Engine, register: RequestRegister, reminders: RequestReminders,
    notifier: RecordingNotifier,
) -> None:  # fmt: skip
    _register(register, agent=False)  # from the command line: no agent to remind

    for moment in (DUE_DAY, LATE_DAY, TWO_LATE):
        await reminders.run(moment)

    with engine.connect() as conn:
        payloads = conn.execute(
            text("select payload from ledger_entries where event = 'request.reminded' "
                 "order by seq")
        ).scalars().all()  # fmt: skip
    assert ['"to":"agent"' in p for p in payloads] == [True, False, False]
    assert ['"to":"officers"' in p for p in payloads] == [False, False, True]
    assert _told(notifier) == [("escalation", "U0LEAD"), ("escalation", "U0DPO")]
    assert ledger.verify(engine).ok


async def test_a_notice_not_delivered_is_one_log_line_without_the_recipient(
    register: RequestRegister,
    reminders: RequestReminders,
    notifier: RecordingNotifier,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A team lead on a platform that is not running: one warning line, no traceback, no id."""
    from bot.logs import TextFormatter
    from routines.ports import DeliveryError, Notice

    async def refuse(recipient: Recipient, notice: Notice) -> object:
        raise DeliveryError(f"no notifier for {recipient.platform} ({recipient.address})",
                            retryable=False)  # fmt: skip

    _register(register)
    await reminders.run(DUE_DAY)
    notifier.send = refuse  # type: ignore[method-assign,assignment]
    with caplog.at_level("WARNING", logger="routines.requests.reminders"):
        await reminders.run(LATE_DAY)

    (record,) = [r for r in caplog.records if r.name == "routines.requests.reminders"]
    line = TextFormatter().format(record)
    assert record.exc_info is None and "\n" not in line
    assert "DeliveryError" in line and "U0LEAD" not in line
