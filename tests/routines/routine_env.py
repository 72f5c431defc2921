"""Helpers for the routine engine tests (not a test module): catalogues, a recording
Notifier that can be told to fail, and a service wired to a real database."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from routines.catalog import Catalog, load_catalog
from routines.engine.models import Notification, Occurrence
from routines.ports import Delivered, DeliveryError, Notice, Recipient
from routines.service import RoutineService
from storage.sessions import session_factory, transaction

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    """`2027-01-04 09:00` in Stockholm time."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def catalog_from(tmp_path: Path, text: str, name: str = "routines.yaml") -> Catalog:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_catalog([path], include_default=False)


@dataclass
class RecordingNotifier:
    """Records every send; `failures` DeliveryErrors are raised first (retryable or not)."""

    failures: int = 0
    retryable: bool = True
    sent: list[tuple[Recipient, Notice]] = field(default_factory=list)
    updated: list[tuple[Delivered, Notice]] = field(default_factory=list)
    calls: int = 0

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise DeliveryError("HTTP 503 from the platform", retryable=self.retryable)
        self.sent.append((recipient, notice))
        return Delivered(recipient, f"m{len(self.sent)}", conversation_id=recipient.address)

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        self.updated.append((delivered, notice))

    def kinds(self) -> list[str]:
        return [notice.kind for _, notice in self.sent]

    def of_kind(self, kind: str) -> list[tuple[Recipient, Notice]]:
        return [(r, n) for r, n in self.sent if n.kind == kind]


def make_service(
    engine: Engine,
    catalog: Catalog,
    notifier: RecordingNotifier,
    *,
    owner: str = "replica-a",
    lease_seconds: int = 120,
) -> RoutineService:
    return RoutineService(
        session_factory(engine), catalog, notifier, owner=owner, lease_seconds=lease_seconds
    )


def occurrences(engine: Engine) -> list[Occurrence]:
    with transaction(session_factory(engine)) as session:
        return list(session.scalars(select(Occurrence).order_by(Occurrence.scheduled_date)))


def outbox(engine: Engine) -> list[Notification]:
    with transaction(session_factory(engine)) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)))


def count(engine: Engine, model: type) -> int:
    with transaction(session_factory(engine)) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def days(start: datetime, n: int) -> Iterator[datetime]:
    from datetime import timedelta

    for i in range(n):
        yield start + timedelta(days=i)
