"""The desk's headline on the web overview: officers only, open / late / on time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bot.app import Services
from bot.features.desk_panel import RequestsPanel
from bot.web.access import Access
from routines.requests.register import RequestRegister
from storage.sessions import session_factory

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # Wednesday
NAMES = {"solvinge": "Solvinge Resor AB", "hemladan": "Hemlådan Nordic AB"}


def _panel(engine: Engine) -> tuple[RequestsPanel, RequestRegister]:
    register = RequestRegister(session_factory(engine), timezone="Europe/Stockholm")
    return RequestsPanel(register, NAMES), register


def _add(register: RequestRegister, client: str, received: date) -> str:
    return register.register(
        client_id=client, kind="erasure", received_on=received, business_days=1, now=NOW,
        actor=None,
    ).request.code  # fmt: skip


def test_officers_see_open_late_per_client_and_the_on_time_share(engine: Engine) -> None:
    panel, register = _panel(engine)
    register.forward(_add(register, "solvinge", date(2027, 3, 8)), now=NOW, actor=None)  # late
    _add(register, "hemladan", date(2027, 3, 1))  # open, late
    _add(register, "hemladan", date(2027, 3, 10))  # open, due tomorrow

    shown = panel.panel(Access("officer"), "sv", NOW)

    assert shown is not None
    assert [(f.label, f.value) for f in shown.figures] == [
        ("Öppna (ej vidarebefordrade)", "2"),
        ("Försenade", "1"),
        ("Vidarebefordrade i tid, senaste 30 dagarna", "0/2 (0%)"),
    ]
    assert shown.note == "Försenade per kund: Hemlådan Nordic AB 1"


def test_anyone_but_an_officer_sees_no_panel(engine: Engine) -> None:
    panel, _ = _panel(engine)

    assert panel.panel(Access("lead", routines=frozenset()), "en", NOW) is None


def test_the_built_bot_adds_the_panel_to_its_web_pages(bot: Services) -> None:
    assert bot.web is not None  # a local set-up makes its own web secret
    assert any(isinstance(p, RequestsPanel) for p in bot.web.panels)
