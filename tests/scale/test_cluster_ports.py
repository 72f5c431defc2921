"""The scale tests' replicas come up even when the port picked for one is taken before it
binds (on a busy machine any client socket can draw it as its ephemeral port)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import testing.scale.cluster as cluster_module
from testing.scale.cluster import ReplicaCluster
from tests.scale.conftest import Stack


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


@pytest.mark.slow
def test_a_replica_whose_port_was_taken_starts_again_on_another(
    sqlite_stack: Stack, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ports = iter([taken_port])
    real = cluster_module.free_port
    monkeypatch.setattr(cluster_module, "free_port", lambda: next(ports, None) or real())
    cluster = ReplicaCluster(
        sqlite_stack.database_url, sqlite_stack.slack, sqlite_stack.workdir, count=1
    )
    sqlite_stack.clusters.append(cluster)

    cluster.start()

    [replica] = cluster.replicas
    assert replica.port != taken_port
    assert replica.status("/readyz") == 200
