"""Fixtures for the scale tests: a background loop with the fake Slack API and a
PostgreSQL proxy, a fresh schema, and `start_cluster(...)` for three real replicas.

Every test module here sets `pytestmark = SCALE` (slow, postgres, and one xdist group, so
two clusters never compete for the two cores under `pytest -n 2 --dist loadgroup`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.database import create_schema
from routines.db import make_engine
from tests.scale.cluster import ReplicaCluster, catalogue, via_proxy
from tests.scale.database import ScaleDatabase
from tests.scale.servers import BackgroundLoop, ScaleSlackApi, TcpProxy

ROUTINES = 1000
SCALE = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.xdist_group("scale")]


@pytest.fixture
def background() -> Iterator[BackgroundLoop]:
    loop = BackgroundLoop()
    yield loop
    loop.close()


@pytest.fixture
def slack(background: BackgroundLoop) -> Iterator[ScaleSlackApi]:
    api = background.run(ScaleSlackApi().start())
    yield api
    background.run(api.close())


@pytest.fixture
def scale_url(postgres_url: str) -> str:
    """A fresh schema, already migrated (so replicas do not all start on an empty one)."""
    engine = make_engine(postgres_url)
    create_schema(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture
def db(scale_url: str) -> Iterator[ScaleDatabase]:
    engine: Engine = make_engine(scale_url)
    yield ScaleDatabase(engine)
    engine.dispose()


@pytest.fixture
def proxy(background: BackgroundLoop, scale_url: str) -> Iterator[TcpProxy]:
    url = make_url(scale_url)
    tcp = background.run(TcpProxy(url.host or "127.0.0.1", url.port or 5432).start())
    yield tcp
    background.run(tcp.close())


@pytest.fixture
def routines_file(tmp_path: Path) -> Path:
    path = tmp_path / "routines.yaml"
    path.write_text(catalogue(ROUTINES, datetime.now(UTC).date()), encoding="utf-8")
    return path


StartCluster = Callable[..., ReplicaCluster]


@pytest.fixture
def start_cluster(
    tmp_path: Path, slack: ScaleSlackApi, scale_url: str, routines_file: Path
) -> Iterator[StartCluster]:
    """`start_cluster(through=proxy, **env)`: three replicas, ready; always stopped after."""
    started: list[ReplicaCluster] = []

    def start(*, through: TcpProxy | None = None, **env: Any) -> ReplicaCluster:
        url = via_proxy(scale_url, through.port) if through else scale_url
        cluster = ReplicaCluster(
            url,
            slack,
            tmp_path,
            env={"GDPRBOT_ROUTINES_FILE": str(routines_file), **{k: str(v) for k, v in env.items()}},
        )
        started.append(cluster)
        return cluster.start()

    yield start
    for cluster in started:
        cluster.stop()
