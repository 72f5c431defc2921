"""Fixtures for the scale tests: a background loop with the fake Slack API, a fresh
PostgreSQL schema, a TCP proxy in front of PostgreSQL, and real replica clusters.

Every test module here sets `pytestmark = SCALE` (slow, postgres, and one xdist group, so
two clusters never compete for the two cores under `pytest -n 2 --dist loadgroup`).
`stack` is per test; `posted_stack` is one three-replica cluster for this whole package
that has already posted its 1,101 (+1 spare) due occurrences, for tests that only read or
click: each clicking test confirms occurrences of its own (`POSTED_FOR`), never one that
another test clicked. Those tests run last here, so the cluster stops when they are done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.engines import make_engine
from storage.migrate import create_schema
from testing.scale.cluster import ReplicaCluster, channel_of, poll_progress, poll_until
from testing.scale.database import ScaleDatabase
from testing.scale.servers import BackgroundLoop, ScaleSlackApi
from testing.scale.stack import ROUTINES, SPARE, Stack, scale_stack

__all__ = ["ROUTINES", "SPARE", "Stack"]

SCALE = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("scale")]

# The posted stack's routines, by the test that confirms them: the thousand concurrent
# clicks, and the hundred whose ledger appends `audit verify` checks. Plus the spare.
POSTED_FOR = {"thousand": range(ROUTINES), "ledger": range(ROUTINES, ROUTINES + 100)}
POSTED = ROUTINES + 100 + 1


def posted_channels(purpose: str) -> set[str]:
    """The channels of the posted stack's routines set aside for `purpose`."""
    return {channel_of(i) for i in POSTED_FOR[purpose]}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests on `posted_stack` last among the scale tests (each keeps its place among
    the others): its package-scoped cluster is then torn down right after them instead of
    idling beside the clusters of the tests that follow."""
    here = Path(__file__).parent
    places = [n for n, item in enumerate(items) if item.path.is_relative_to(here)]
    scale = [items[n] for n in places]
    ordered = [i for i in scale if "posted_stack" not in i.fixturenames] + [
        i for i in scale if "posted_stack" in i.fixturenames
    ]
    for n, item in zip(places, ordered, strict=True):
        items[n] = item


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


@pytest.fixture(scope="package")
def posted_stack(
    postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Three replicas that have posted 1,100 (+1 spare) occurrences due at once."""
    with scale_stack(postgres_admin_url, tmp_path_factory.mktemp("posted")) as built:
        built.start_cluster(routines=POSTED - 1)
        poll_progress(built.posted_count, POSTED, 60, "every due occurrence posted")
        poll_until(lambda: built.all_posted(POSTED), 60, "every post answered")
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
