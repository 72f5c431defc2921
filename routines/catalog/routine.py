"""Routine values: what a validated catalogue entry is (frozen, no YAML, no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from routines.catalog.training import Training
from routines.schedule.rules import Schedule
from storage.clock import DEFAULT_TIMEZONE

KINDS = frozenset({"plain", "kb_review", "ledger_seal", "knowledge_gaps", "training"})
PLATFORMS = frozenset({"slack", "teams", "console"})


@dataclass(frozen=True)
class Target:
    """A channel or person on one platform; `address` as written (id, name or e-mail)."""

    platform: str
    kind: Literal["channel", "person"]
    address: str


@dataclass(frozen=True)
class Assignees:
    people: tuple[Target, ...] = ()
    anyone_in_channel: bool = False
    confirm: Literal["any", "all"] = "any"


@dataclass(frozen=True)
class Remind:
    before: tuple[int, ...] = ()  # days before the due date
    every: int | None = None  # days between re-reminders once overdue


@dataclass(frozen=True)
class Escalate:
    after_days: int
    to: tuple[Target, ...]


@dataclass(frozen=True)
class Routine:
    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    schedule: Schedule
    assignees: Assignees
    kind: str = "plain"
    gdpr: tuple[str, ...] = ()
    time: time = time(9, 0)
    timezone: str = DEFAULT_TIMEZONE
    business_days: bool = False
    start: date | None = None
    post_to: tuple[Target, ...] = ()
    due_days: int = 0
    remind: Remind = field(default_factory=Remind)
    escalate: Escalate | None = None
    evidence: Literal["none", "optional", "required"] = "none"
    enabled: bool = True
    training: Training | None = None  # kind `training`: the quiz campaign's settings
    source: str = ""  # path:line where it was defined (last override)

    def text(self, which: Mapping[str, str], lang: str) -> str:
        return which.get(lang) or which.get("sv") or which.get("en") or self.id


@dataclass(frozen=True)
class Catalog:
    routines: tuple[Routine, ...]
    _by_id: Mapping[str, Routine] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the dispatcher looks routines up once per outbox row: keep it O(1)
        object.__setattr__(self, "_by_id", {r.id: r for r in self.routines})

    def get(self, routine_id: str) -> Routine | None:
        return self._by_id.get(routine_id)

    @property
    def enabled(self) -> tuple[Routine, ...]:
        return tuple(r for r in self.routines if r.enabled)


class CatalogError(Exception):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)
