"""The rights-request register: recorded once, forwarded once, every step in the ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, inspect, select, text

from routines import ledger
from routines.requests.register import RequestError, RequestRegister, dedupe_key, purge_requests
from storage.sessions import session_factory, transaction
from tests.routines.requests.conftest import AGENT, NOW


def _register(register: RequestRegister, **overrides: object) -> object:
    values: dict[str, object] = {
        "client_id": "solvinge",
        "kind": "erasure",
        "received_on": date(2027, 3, 8),
        "business_days": 1,
        "now": NOW,
        "actor": AGENT,
    }
    values.update(overrides)
    return register.register(**values)  # type: ignore[arg-type]


def _events(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("select event from ledger_entries order by seq")).scalars())


def test_a_request_gets_a_code_and_both_deadlines(register: RequestRegister) -> None:
    done = _register(register, business_days=2, client_ref="SV-1234")
    request = done.request  # type: ignore[attr-defined]

    assert done.created  # type: ignore[attr-defined]
    assert len(request.code) == 6
    assert request.forward_by == date(2027, 3, 10)
    assert request.respond_by == date(2027, 4, 8)
    assert request.client_ref == "SV-1234"
    assert register.get(request.code) == request


def test_registering_writes_a_ledger_entry_with_the_agent_as_a_key_only(
    register: RequestRegister, engine: Engine
) -> None:
    _register(register)

    with engine.connect() as conn:
        payload = conn.execute(text("select payload from ledger_entries")).scalar_one()
    assert '"event":"request.registered"' in payload
    assert "U0AGENT" not in payload and "Agnes" not in payload
    assert ledger.verify(engine).ok


def test_the_register_has_no_column_for_caller_data(engine: Engine) -> None:
    columns = {c["name"] for c in inspect(engine).get_columns("rights_requests")}
    assert not columns & {"name", "caller", "email", "phone", "personnummer", "text", "message"}


def test_the_same_dedupe_key_is_recorded_once(register: RequestRegister, engine: Engine) -> None:
    key = dedupe_key("slack", "msg-1", "U0AGENT")
    first = _register(register, dedupe=key)
    second = _register(register, dedupe=key)

    assert not second.created  # type: ignore[attr-defined]
    assert second.request == first.request  # type: ignore[attr-defined]
    assert _events(engine) == ["request.registered"]


def test_without_a_dedupe_key_two_registrations_are_two_requests(
    register: RequestRegister,
) -> None:
    first = _register(register).request  # type: ignore[attr-defined]
    second = _register(register).request  # type: ignore[attr-defined]
    assert first.code != second.code


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "delete-me"}, "unknown request type"),
        ({"received_on": date(2027, 3, 9)}, "in the future"),
        ({"client_ref": "x" * 65}, "longer than 64"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    register: RequestRegister, engine: Engine, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(RequestError, match=message):
        _register(register, **overrides)
    assert _events(engine) == []


def test_forwarding_on_time_is_recorded_once(register: RequestRegister, engine: Engine) -> None:
    code = _register(register).request.code  # type: ignore[attr-defined]

    first = register.forward(code, now=NOW + timedelta(hours=2), actor=AGENT, via="email")
    again = register.forward(code, now=NOW + timedelta(hours=3), actor=AGENT, via="portal")

    assert first.result == "forwarded" and not first.late
    assert again.result == "already"
    assert again.request is not None and again.request.forwarded_via == "email"
    assert _events(engine) == ["request.registered", "request.forwarded"]


def test_forwarding_after_the_promised_day_is_late(register: RequestRegister) -> None:
    code = _register(register).request.code  # type: ignore[attr-defined]

    done = register.forward(code, now=NOW + timedelta(days=2), actor=None)

    assert done.result == "forwarded" and done.late


def test_an_unknown_code_is_unknown(register: RequestRegister) -> None:
    assert register.forward("zzzzzz", now=NOW, actor=AGENT).result == "unknown"


def test_open_requests_are_the_ones_not_forwarded_most_urgent_first(
    register: RequestRegister,
) -> None:
    late = _register(register, received_on=date(2027, 3, 1)).request  # type: ignore[attr-defined]
    soon = _register(register).request  # type: ignore[attr-defined]
    done = _register(register).request  # type: ignore[attr-defined]
    register.forward(done.code, now=NOW, actor=AGENT)

    assert [r.code for r in register.open_requests()] == [late.code, soon.code]
    assert register.open_requests(["hemladan"]) == []


def test_purge_deletes_requests_received_before_the_retention_years(
    register: RequestRegister, engine: Engine
) -> None:
    old = _register(register, received_on=date(2024, 3, 5)).request  # type: ignore[attr-defined]
    kept = _register(register, received_on=date(2024, 3, 8)).request  # type: ignore[attr-defined]

    with transaction(session_factory(engine)) as session:
        purged = purge_requests(session, now=NOW, years=3, timezone="Europe/Stockholm")

    assert purged == 1
    assert register.get(old.code) is None
    assert register.get(kept.code) is not None
    assert _events(engine)[-1] == "requests.purged"
    assert ledger.verify(engine).ok


def test_purge_with_nothing_to_purge_writes_nothing(
    register: RequestRegister, engine: Engine
) -> None:
    _register(register)
    with transaction(session_factory(engine)) as session:
        assert purge_requests(session, now=NOW, years=3, timezone="Europe/Stockholm") == 0
    assert select is not None and _events(engine) == ["request.registered"]


def test_a_register_extract_lists_the_agents_requests_and_no_one_elses(
    register: RequestRegister, engine: Engine
) -> None:
    from routines.engine.acknowledgements import Actor
    from routines.requests.register import requests_of
    from storage.people import find_person

    mine = _register(register).request  # type: ignore[attr-defined]
    _register(register, actor=Actor("slack", "U0OTHER"))
    with transaction(session_factory(engine)) as session:
        person = find_person(session, "slack", AGENT.user_id)
        assert person is not None
        extract = requests_of(session, person.person_key)

    assert [row["code"] for row in extract] == [mine.code]
    assert extract[0]["registered_by_you"] is True
