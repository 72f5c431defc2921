"""The `training:` block of a routine of kind `training` (a quiz campaign): which
questions are drawn, how many, the pass mark and the cool-down before a retry.

    kind: training
    training: {tags: [onboarding], questions: 5, pass_mark: 80, cooldown_hours: 24}
    assignees: {people: [...], confirm: all}   # the audience: each passes their own quiz

Each person in the audience gets the quiz in a direct message; a passed quiz confirms
the occurrence for that person (the engine's reminders and escalation chase the rest).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TAG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = ("tags", "questions", "pass_mark", "cooldown_hours")
MAX_QUESTIONS = 20


@dataclass(frozen=True)
class Training:
    tags: tuple[str, ...] = ()  # any of these; none: the whole bank
    questions: int = 5
    pass_mark: int = 80  # percent of the questions answered right
    cooldown_hours: int = 24  # before a failed quiz may be retried (with new questions)

    def passed(self, right: int, total: int) -> bool:
        return total > 0 and right * 100 >= self.pass_mark * total


def _whole(
    raw: dict[str, Any],
    key: str,
    low: int,
    high: int,
    add: Callable[[str, str], None],
    default: int,
) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        add(f"training.{key}", f"expected a whole number {low}-{high}")
        return default
    return value


def training_from(raw: Any, add: Callable[[str, str], None]) -> Training:
    """The block read from YAML; every problem reported through `add(field, problem)`."""
    if raw is None:
        return Training()
    if not isinstance(raw, dict):
        add("training", "expected {tags: [...], questions: N, pass_mark: P, cooldown_hours: H}")
        return Training()
    for key in raw:
        if key not in FIELDS:
            add(f"training.{key}", f"unknown field (known: {', '.join(FIELDS)})")
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) and TAG.match(t) for t in tags):
        add("training.tags", "expected a list of lowercase-kebab tags, e.g. [breach, security]")
        tags = []
    return Training(
        tags=tuple(tags),
        questions=_whole(raw, "questions", 1, MAX_QUESTIONS, add, 5),
        pass_mark=_whole(raw, "pass_mark", 1, 100, add, 80),
        cooldown_hours=_whole(raw, "cooldown_hours", 0, 24 * 30, add, 24),
    )
