"""The values of the question bank: a `Question` with its options, and the `QuizBank`."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Question:
    """One quiz question: a situation, 3-4 options of which one or more are right, the
    one-line explanation shown after a wrong answer, and the article it teaches."""

    id: str
    lang: str
    question: str
    options: tuple[str, ...]
    correct: frozenset[int]  # 0-based indexes into options
    explanation: str
    article: str
    tags: tuple[str, ...]
    difficulty: Difficulty
    path: Path | None = None
    line: int = 0

    def is_right(self, option: int) -> bool:
        """Picking any one right option answers the question right (the chat offers one
        click per question; a question with several right options asks for "one that")."""
        return option in self.correct


@dataclass(frozen=True)
class QuizBank:
    """Every question, by language, in file order."""

    questions: tuple[Question, ...]

    def get(self, question_id: str, lang: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id and question.lang == lang:
                return question
        return None

    def in_language(self, lang: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.lang == lang)

    def tags(self) -> frozenset[str]:
        return frozenset(tag for q in self.questions for tag in q.tags)

    def matching(self, lang: str, tags: Iterable[str] = ()) -> tuple[Question, ...]:
        """The questions in `lang` with any of `tags` (all of them when no tags)."""
        wanted = set(tags)
        return tuple(q for q in self.in_language(lang) if not wanted or wanted.intersection(q.tags))

    def draw(
        self,
        lang: str,
        count: int,
        *,
        tags: Iterable[str] = (),
        avoid: Sequence[str] = (),
        rng: random.Random | None = None,
    ) -> tuple[Question, ...]:
        """`count` different questions with any of `tags`, preferring ones not in `avoid`
        (a retry gets new questions while the pool lasts)."""
        pool = list(self.matching(lang, tags))
        chooser = rng or random.Random()
        chooser.shuffle(pool)
        avoided = set(avoid)
        pool.sort(key=lambda q: q.id in avoided)  # stable: fresh ones first, still shuffled
        return tuple(pool[:count])
