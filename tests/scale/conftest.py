"""Fixtures for the scale tests: a background loop with the fake Slack API, a fresh
PostgreSQL schema, a TCP proxy in front of PostgreSQL, and real replica clusters.

Every test module here sets `pytestmark = SCALE` (slow, postgres, and one xdist group, so
two clusters never compete for the two cores under `pytest -n 2 --dist loadgroup`).
`stack` is per test; `posted_stack` is one three-replica cluster per module that has
already posted the 1,000 (+1 spare) due occurrences, for tests that only read or click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.engines import make_engine
from storage.migrate import create_schema
from testing.scale.cluster import ReplicaCluster, poll_progress, poll_until
from testing.scale.database import ScaleDatabase
from testing.scale.servers import BackgroundLoop, ScaleSlackApi
from testing.scale.stack import ROUTINES, SPARE, Stack, scale_stack

__all__ = ["ROUTINES", "SPARE", "Stack"]

SCALE = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("scale")]


@pytest.fixture
def scale_url(postgres_url: str) -> str:
    """A fresh schema, migrated."""
    engine = make_engine(postgres_url)
    create_schema(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture
def stack(postgres_admin_url: str, tmp_path: Path) -> Iterator[Stack]:
    with scale_stack(postgres_admin_url, tmp_path) as built:
        yield built


@pytest.fixture(scope="module")
def posted_stack(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Three replicas that have posted 1,000 (+1 spare) occurrences due at once."""
    with scale_stack(postgres_admin_url, tmp_path_factory.mktemp("posted")) as built:
        built.start_cluster()
        poll_progress(built.posted_count, ROUTINES + 1, 60, "every due occurrence posted")
        poll_until(lambda: built.all_posted(ROUTINES + 1), 60, "every post answered")
        yield built


StartCluster = Callable[..., ReplicaCluster]


@pytest.fixture
def sqlite_stack(tmp_path: Path) -> Iterator[Stack]:
    """The fake Slack API and a migrated SQLite file: for one process, killed and restarted."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    create_schema(engine)
    background = BackgroundLoop()
    slack = background.run(ScaleSlackApi().start())
    stack = Stack(background, slack, url, ScaleDatabase(engine), tmp_path)
    try:
        yield stack
    finally:
        for cluster in stack.clusters:
            cluster.stop()
        background.run(slack.close())
        background.close()
        engine.dispose()
