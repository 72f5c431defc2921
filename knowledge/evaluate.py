"""Measure answer quality on a JSONL question set (`gdpr-bot kb eval`).

Each line is `{"id", "lang", "q", "expect_any": [phrases]}` (correct when the bot answers
and the short answer text contains any phrase, case-insensitive) or
`{"id", "lang", "q", "expect_fallback": true}` (correct when the bot does not answer).

The question's language is detected exactly as in real use; the line's `lang` is only for
reporting (per-language figures). Passing it as an override would hide detection mistakes
that real users would meet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.answers import Answerer
from knowledge.model import Answer


@dataclass(frozen=True)
class EvalCase:
    id: str
    lang: str
    q: str
    expect_any: tuple[str, ...] = ()
    expect_fallback: bool = False


@dataclass(frozen=True)
class EvalResult:
    case: EvalCase
    answer: Answer
    correct: bool


@dataclass(frozen=True)
class EvalReport:
    results: tuple[EvalResult, ...]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    def _accuracy(self, fallback: bool) -> float:
        chosen = [r for r in self.results if r.case.expect_fallback is fallback]
        return round(sum(r.correct for r in chosen) / len(chosen), 4) if chosen else 1.0

    @property
    def answerable_accuracy(self) -> float:
        return self._accuracy(False)

    @property
    def fallback_accuracy(self) -> float:
        return self._accuracy(True)

    @property
    def failures(self) -> list[str]:
        return [r.case.id for r in self.results if not r.correct]

    def as_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "correct": self.correct,
            "answerable_accuracy": self.answerable_accuracy,
            "fallback_accuracy": self.fallback_accuracy,
            "failures": self.failures,
        }


class EvalFileError(ValueError):
    """A line of the question file is not a valid case."""


def read_cases(path: Path) -> list[EvalCase]:
    cases: list[EvalCase] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            raw = json.loads(line)
            expect_any = tuple(str(p) for p in raw.get("expect_any", ()))
            fallback = bool(raw.get("expect_fallback", False))
            if not expect_any and not fallback:
                raise ValueError("needs expect_any phrases or expect_fallback: true")
            cases.append(
                EvalCase(
                    str(raw["id"]), str(raw.get("lang", "")), str(raw["q"]), expect_any, fallback
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
    return cases


def is_correct(case: EvalCase, answer: Answer) -> bool:
    if case.expect_fallback:
        return not answer.answered
    text = answer.text.lower()
    return answer.answered and any(phrase.lower() in text for phrase in case.expect_any)


def evaluate(answerer: Answerer, cases: Sequence[EvalCase]) -> EvalReport:
    results = []
    for case in cases:
        answer = answerer.answer(case.q)
        results.append(EvalResult(case, answer, is_correct(case, answer)))
    return EvalReport(tuple(results))
