"""PostgreSQL roles: an owner role migrates, the bot's application role cannot rewrite the
ledger (no UPDATE, DELETE, TRUNCATE, no disabling its triggers). On the real server, in a
database of its own with roles named `evidence_*`, all dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from bot.cli import app
from routines import ledger
from storage.engines import make_engine
from storage.sessions import session_factory, transaction

pytestmark = pytest.mark.postgres
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Roles:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture
def roles(postgres_admin_url: str) -> Iterator[Roles]:
    tag = uuid.uuid4().hex[:8]
    owner, app_role, database = f"evidence_owner_{tag}", f"evidence_app_{tag}", f"evidence_{tag}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{owner}" LOGIN')
        conn.exec_driver_sql(f'CREATE ROLE "{app_role}" LOGIN')
        conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    base = make_url(postgres_admin_url).set(database=database)
    try:
        yield Roles(
            base.set(username=owner).render_as_string(hide_password=False),
            base.set(username=app_role).render_as_string(hide_password=False),
            app_role,
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{app_role}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{owner}"')
        admin.dispose()


@pytest.fixture
def granted(roles: Roles, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Migrated as the owner with `db upgrade --app-role`; the app role's engine."""
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", roles.owner_url)
    result = CliRunner().invoke(app, ["db", "upgrade", "--app-role", roles.app_role])
    assert result.exit_code == 0, result.output
    engine = make_engine(roles.app_url)
    yield engine
    engine.dispose()


def refused(engine: Engine, statement: str) -> bool:
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    except DatabaseError as exc:
        return "permission denied" in str(exc) or "must be owner" in str(exc)
    return False


def test_the_application_role_appends_to_the_ledger(granted: Engine) -> None:
    with transaction(session_factory(granted)) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, NOW)
    assert ledger.verify(granted).ok


def test_a_dry_run_as_the_application_role_puts_back_the_ids_it_drew(granted: Engine) -> None:
    from storage.rehearsal import rehearsal
    from tests.storage.test_rehearsal import ask

    with granted.begin() as connection:
        first = ask(connection)
    with rehearsal(granted) as factory, transaction(factory) as session:
        ask(session)
    with granted.begin() as connection:
        assert ask(connection) == first + 1


def test_the_application_role_cannot_disable_the_ledger_triggers(granted: Engine) -> None:
    assert refused(granted, "ALTER TABLE ledger_entries DISABLE TRIGGER ALL")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET payload = 'x'",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_entries",
    ],
)
def test_the_application_role_cannot_rewrite_the_ledger(granted: Engine, statement: str) -> None:
    with transaction(session_factory(granted)) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, NOW)
    assert refused(granted, statement)
    assert ledger.head(granted)[0] == 1


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM ledger_head",
        "TRUNCATE ledger_head",
        "INSERT INTO ledger_head VALUES (2, 0, 'x')",
    ],
)
def test_the_application_role_cannot_remove_or_add_the_ledger_head_row(
    granted: Engine, statement: str
) -> None:
    """Appends only move the one head row; without it no append can be made again."""
    with transaction(session_factory(granted)) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 1}, NOW)
    assert refused(granted, statement)
    with transaction(session_factory(granted)) as session:
        ledger.append_event(session, ledger.NOTE_ADDED, {"occurrence_id": 2}, NOW)
    assert ledger.verify(granted).ok and ledger.head(granted)[0] == 2


def test_db_status_warns_when_the_bot_s_role_owns_the_ledger(
    granted: Engine, roles: Roles, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", roles.owner_url)
    as_owner = CliRunner().invoke(app, ["db", "status"])
    assert "owns the evidence ledger" in as_owner.output
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", roles.app_url)
    as_app = CliRunner().invoke(app, ["db", "status"])
    assert as_app.exit_code == 0, as_app.output
    assert "owns the evidence ledger" not in as_app.output


def test_granting_on_sqlite_is_a_one_line_error(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    result = CliRunner().invoke(app, ["db", "upgrade", "--app-role", "evidence_app"])
    assert result.exit_code == 2
    assert "PostgreSQL only" in result.output
