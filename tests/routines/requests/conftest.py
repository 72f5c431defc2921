"""A register on a real database (SQLite file, PostgreSQL schema) and who acts on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from routines.engine.acknowledgements import Actor
from routines.requests.register import RequestRegister
from storage.sessions import session_factory

# Monday 8 March 2027, 10:00 in Stockholm
NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
AGENT = Actor("slack", "U0AGENT", "Agnes Agent", "agnes@example.se")


@pytest.fixture
def register(engine: Engine) -> RequestRegister:
    return RequestRegister(session_factory(engine), timezone="Europe/Stockholm")
