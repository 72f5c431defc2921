"""Seeded random mutations of a payload, for fuzz tests over HTTP: each mutant replaces,
drops or retypes one to three fields somewhere inside a real payload."""

from __future__ import annotations

import copy
import random
from typing import Any

JUNK: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], [None], {}, {"x": 1}, "💥" * 3]


def mutate(value: Any, rng: random.Random) -> Any:
    """One random change somewhere inside `value`: replace, drop or retype a field."""
    if isinstance(value, dict) and value and rng.random() < 0.75:
        key = rng.choice(sorted(value))
        if rng.random() < 0.2:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: mutate(value[key], rng)}
    if isinstance(value, list) and value and rng.random() < 0.75:
        index = rng.randrange(len(value))
        return [*value[:index], mutate(value[index], rng), *value[index + 1 :]]
    return copy.deepcopy(rng.choice(JUNK))


def mutants(bases: list[Any], count: int, *, seed: int) -> list[Any]:
    """`count` mutants, taking the bases in turn; the same seed gives the same list."""
    rng = random.Random(seed)
    found: list[Any] = []
    for n in range(count):
        mutant = bases[n % len(bases)]
        for _ in range(rng.randint(1, 3)):
            mutant = mutate(mutant, rng)
        found.append(mutant)
    return found
