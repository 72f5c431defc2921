"""Fixtures shared by every test package: databases (SQLite file, PostgreSQL schema), shared/;
and the `xdist_group` marks made to work under `pytest -n 2 --dist loadgroup`."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from tests.schemas import SchemaPool, copy_migrated_sqlite, migrate_sqlite, schema_url

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_ADMIN_URL = os.environ.get(
    "GDPRBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def require_or_skip(reason: str) -> None:
    """Fail loudly in CI (a missing prerequisite is a broken build), skip locally."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        require_or_skip(f"../shared is not present beside the repository ({SHARED})")
    return SHARED


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable: {exc.__class__.__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_reachable()
    if problem:
        require_or_skip(problem)
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def schema_pool(postgres_admin_url: str) -> Iterator[SchemaPool]:
    pool = SchemaPool(postgres_admin_url)
    yield pool
    pool.close()


@pytest.fixture
def migrated_postgres_url(postgres_admin_url: str, schema_pool: SchemaPool) -> Iterator[str]:
    """A URL whose search_path is a schema at head holding only what the migrations wrote,
    under a name no test had before (lent by the pool and emptied after: tests/schemas.py)."""
    schema = schema_pool.lend()
    yield schema_url(postgres_admin_url, schema)
    schema_pool.take_back(schema)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrate_sqlite(tmp_path_factory.mktemp("migrated") / "gdpr-bot.db")


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{postgres_admin_url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'gdpr-bot.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Contract tests run once per supported database.

    A test that takes `engine` (which migrates the database before the test) gets it at
    head already: a copy of a file, or a schema, migrated once per test process."""
    at_head = "engine" in request.fixturenames
    if request.param == "sqlite":
        url = str(request.getfixturevalue("sqlite_url"))
        if at_head:
            copy_migrated_sqlite(request.getfixturevalue("migrated_sqlite_file"), sqlite_path(url))
        return url
    return str(request.getfixturevalue("migrated_postgres_url" if at_head else "postgres_url"))


def sqlite_path(url: str) -> Path:
    from storage.engines import sqlite_file

    path = sqlite_file(url)
    assert path is not None, url
    return path


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    from storage.engines import make_engine
    from storage.migrate import create_schema

    eng = make_engine(database_url)
    create_schema(eng)  # at head already (see database_url): one query
    yield eng
    eng.dispose()


# --- xdist_group under pytest >= 9.2 ---------------------------------------------------------
# pytest-xdist (3.8) marks a grouped test by appending "@<group>" to `item._nodeid`, which
# pytest 9.2 no longer reads (node ids are structured, in `item._id`): every mark was
# silently ignored, so the scale tests ran on both workers at once and module fixtures
# were built once per worker (pytest-dev/pytest-xdist#1386). The same suffix, written where
# this pytest keeps the id; a grouped test whose id still lacks it stops the run.


def _group_suffix(item: pytest.Item) -> str:
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "@" + "_".join(sorted(names)) if names else ""


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers only
        return
    for item in items:
        suffix = _group_suffix(item)
        if suffix and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)
    ungrouped = [i.nodeid for i in items if (s := _group_suffix(i)) and not i.nodeid.endswith(s)]
    if ungrouped:
        raise pytest.UsageError(f"xdist_group marks not applied, e.g. {ungrouped[0]}")
