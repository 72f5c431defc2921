"""The daily privacy job applies GDPRBOT_REQUESTS_YEARS to the rights-request register."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, text

from bot.privacy import run_daily
from routines.requests.register import RequestRegister
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)


def _received(register: RequestRegister, day: date) -> str:
    return register.register(
        client_id="hemladan", kind="access", received_on=day, business_days=2, now=NOW,
        actor=None,
    ).request.code  # fmt: skip


def test_the_daily_job_deletes_requests_older_than_the_setting(engine: Engine) -> None:
    register = RequestRegister(session_factory(engine), timezone="Europe/Stockholm")
    old = _received(register, date(2024, 6, 14))
    kept = _received(register, date(2024, 6, 15))

    with transaction(session_factory(engine)) as session:
        result = run_daily(
            session, now=NOW, question_log_days=90, evidence_years=5, requests_years=3
        )

    assert result.requests_purged == 1
    assert register.get(old) is None and register.get(kept) is not None


def test_without_the_setting_the_job_leaves_the_register_alone(engine: Engine) -> None:
    register = RequestRegister(session_factory(engine), timezone="Europe/Stockholm")
    _received(register, date(2020, 1, 2))

    with transaction(session_factory(engine)) as session:
        result = run_daily(session, now=NOW, question_log_days=90, evidence_years=5)

    assert result.requests_purged == 0
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from rights_requests")).scalar_one() == 1
