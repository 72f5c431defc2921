"""A scale stack: a fresh migrated PostgreSQL schema, the fake Slack API on a background
loop, TCP proxies and real `gdpr-bot run` replica clusters (tests/scale and bench/replicas.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.engines import make_engine
from storage.migrate import create_schema
from testing.scale.cluster import Click, ReplicaCluster, catalogue, via_proxy
from testing.scale.database import ScaleDatabase
from testing.scale.servers import BackgroundLoop, ScaleSlackApi, TcpProxy

ROUTINES = 1000
SPARE = "spare"  # one more routine, for tests that need an occurrence nobody clicked yet


@dataclass
class Stack:
    """Everything a cluster runs against, in the test process."""

    background: BackgroundLoop
    slack: ScaleSlackApi
    database_url: str
    db: ScaleDatabase
    workdir: Path
    clusters: list[ReplicaCluster] = field(default_factory=list)
    proxies: list[TcpProxy] = field(default_factory=list)

    def proxy(self) -> TcpProxy:
        url = make_url(self.database_url)
        tcp = self.background.run(TcpProxy(url.host or "127.0.0.1", url.port or 5432).start())
        self.proxies.append(tcp)
        return tcp

    def start_cluster(
        self, *, routines: int = ROUTINES, through: TcpProxy | None = None, **env: Any
    ) -> ReplicaCluster:
        """Three replicas on a catalogue of `routines` (+ spare) due today; ready on return."""
        path = self.workdir / f"routines-{len(self.clusters)}.yaml"
        path.write_text(catalogue(routines, datetime.now(UTC).date(), spare=SPARE))
        url = via_proxy(self.database_url, through.port) if through else self.database_url
        settings = {"GDPRBOT_ROUTINES_FILE": str(path), **{k: str(v) for k, v in env.items()}}
        cluster = ReplicaCluster(url, self.slack, self.workdir, env=settings)
        self.clusters.append(cluster)
        return cluster.start()

    def admit(self, clicks: list[Click]) -> list[Click]:
        """Make each clicking person a member of the channel the routine was posted to
        (the bot asks conversations.members before it lets a channel routine be confirmed)."""
        for click in clicks:
            self.slack.channel_members.setdefault(click.channel, []).append(click.user)
        return clicks

    def posted_count(self) -> int:
        """How many occurrences are posted and marked sent (progress, for waits)."""
        return min(len(self.slack.posts_per_occurrence()), self.db.posts_marked_sent())

    def all_posted(self, expected: int) -> bool:
        return (
            len(self.slack.posts_per_occurrence()) >= expected
            and self.db.posts_marked_sent() >= expected
            and sum(self.slack.unanswered.values()) == 0
        )


@contextmanager
def scale_stack(admin_url: str, workdir: Path) -> Iterator[Stack]:
    """A fresh migrated schema and the in-process servers; all torn down afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{admin_url}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    background = BackgroundLoop()
    stack: Stack | None = None
    try:
        create_schema(engine)
        slack = background.run(ScaleSlackApi().start())
        stack = Stack(background, slack, url, ScaleDatabase(engine), workdir)
        yield stack
    finally:
        if stack is not None:
            for cluster in stack.clusters:
                cluster.stop()
            for proxy in stack.proxies:
                background.run(proxy.close())
            background.run(stack.slack.close())
        background.close()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
