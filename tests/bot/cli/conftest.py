"""Fixtures of the CLI tests: the report scenario in a SQLite file (`report`, `audit`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.engines import make_engine
from storage.migrate import create_schema
from storage.sessions import session_factory
from tests.routines import report_scenario as scenario


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", "")
    engine = make_engine(sqlite_url)
    create_schema(engine)
    scenario.build(session_factory(engine))
    yield engine
    engine.dispose()
