"""Measure answer quality on a JSONL question set (`gdpr-bot kb eval`).

A line is on-topic, `{"id", "lang", "q", "expect_any": [phrases]}` and/or
`"articles": [acceptable article ids]`, or off-topic, `{"id", "lang", "q",
"expect_fallback": true}`.

An on-topic question is *answered right* when the bot answers with one of `articles` (when
the line names articles) or with a short answer containing any `expect_any` phrase
(case-insensitive); *clarified right* when the bot asks "did you mean" and one offered
article is right by the same test (its id, or its short answer containing a phrase). An
off-topic question is right when the bot refuses (small talk included).

The question's language is detected exactly as in real use; the line's `lang` is only for
reporting. Passing it as an override would hide detection mistakes real users would meet.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from knowledge.model import Answer, Lang, Suggestion


class _Answers(Protocol):
    def answer(self, question: str, lang: Lang | None = None) -> Answer: ...


@dataclass(frozen=True)
class EvalCase:
    id: str
    lang: str
    q: str
    expect_any: tuple[str, ...] = ()
    expect_fallback: bool = False
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalResult:
    case: EvalCase
    answer: Answer

    @property
    def verdict(self) -> str:
        """One of answered_right, answered_wrong, clarified_right, clarified_wrong, refused
        (on-topic) or off_topic_refused, off_topic_clarified, off_topic_answered."""
        outcome = self.answer.outcome
        if self.case.expect_fallback:
            return {"answer": "off_topic_answered", "clarify": "off_topic_clarified"}.get(
                outcome, "off_topic_refused"
            )
        if outcome == "answer":
            right = _matches(
                self.case, self.answer.article.id if self.answer.article else "", self.answer.text
            )
            return "answered_right" if right else "answered_wrong"
        if outcome == "clarify":
            right = any(_offered_right(self.case, s) for s in self.answer.suggestions)
            return "clarified_right" if right else "clarified_wrong"
        return "refused"

    @property
    def correct(self) -> bool:
        return self.verdict in ("answered_right", "off_topic_refused")


def _matches(case: EvalCase, article_id: str, text: str) -> bool:
    if case.articles:
        return article_id in case.articles
    lowered = text.lower()
    return any(phrase.lower() in lowered for phrase in case.expect_any)


def _offered_right(case: EvalCase, option: Suggestion) -> bool:
    return _matches(case, option.id, option.text)


ON_TOPIC = ("answered_right", "answered_wrong", "clarified_right", "clarified_wrong", "refused")
OFF_TOPIC = ("off_topic_refused", "off_topic_clarified", "off_topic_answered")


def _summary(results: Sequence[EvalResult]) -> dict[str, Any]:
    on = [r for r in results if not r.case.expect_fallback]
    off = [r for r in results if r.case.expect_fallback]
    counts = {name: sum(r.verdict == name for r in results) for name in (*ON_TOPIC, *OFF_TOPIC)}

    def share(n: int, of: int) -> float:
        return round(n / of, 4) if of else 1.0

    return {
        "on_topic": len(on),
        "off_topic": len(off),
        **counts,
        "answered_right_rate": share(counts["answered_right"], len(on)),
        "answered_wrong_rate": share(counts["answered_wrong"], len(on)),
        "right_in_answer_or_clarify_rate": share(
            counts["answered_right"] + counts["clarified_right"], len(on)
        ),
        "off_topic_refused_rate": share(counts["off_topic_refused"], len(off)),
    }


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
        """Share of on-topic questions answered with a right article."""
        return self._accuracy(False)

    @property
    def fallback_accuracy(self) -> float:
        """Share of off-topic questions refused (a "did you mean" is not a refusal)."""
        return self._accuracy(True)

    @property
    def failures(self) -> list[str]:
        return [r.case.id for r in self.results if not r.correct]

    def by_language(self) -> dict[str, dict[str, Any]]:
        langs = sorted({r.case.lang for r in self.results})
        return {lang: _summary([r for r in self.results if r.case.lang == lang]) for lang in langs}

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "answerable_accuracy": self.answerable_accuracy,
            "fallback_accuracy": self.fallback_accuracy,
            "failures": self.failures,
            "overall": _summary(self.results),
            "by_language": self.by_language(),
        }


class EvalFileError(ValueError):
    """A line of the question file is not a valid case."""


def read_cases(path: Path) -> list[EvalCase]:
    """The cases of a question file, one JSON object a line (`#` lines and blank lines
    skipped); EvalFileError names `path:line: field: problem` for the first bad one."""
    cases: list[EvalCase] = []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # -sig: a byte-order mark an editor wrote
    except UnicodeDecodeError as exc:
        where = raw[: exc.start].count(b"\n") + 1
        raise EvalFileError(f"{path}:{where}: not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cases.append(_case(json.loads(line)))
        except ValueError as exc:  # json.JSONDecodeError is one
            raise EvalFileError(f"{path}:{number}: {exc}") from exc
    if not cases:
        raise EvalFileError(f"{path}:1: no questions (one JSON object a line)")
    return cases


def _case(raw: object) -> EvalCase:
    """One line's case. Each field has its type: a string where a list belongs was read
    letter by letter ("articles": "call-recording" expected the articles c, a, l, ...)."""
    if not isinstance(raw, dict):
        raise ValueError("each line must be a JSON object")

    def texts(name: str) -> tuple[str, ...]:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f'{name}: expected a list of texts, e.g. ["a", "b"]')
        return tuple(value)

    for name in ("id", "q"):
        if not isinstance(raw.get(name), str) or (name == "id" and not raw[name].strip()):
            raise ValueError(f"{name}: expected a text")
    if raw.get("lang", "") not in ("sv", "en", ""):  # none: the answerer detects it
        raise ValueError(f'lang: expected "sv" or "en", not {raw.get("lang")!r}')
    fallback = raw.get("expect_fallback", False)
    if not isinstance(fallback, bool):
        raise ValueError("expect_fallback: expected true or false")
    expect_any, articles = texts("expect_any"), texts("articles")
    if not expect_any and not articles and not fallback:
        raise ValueError("needs expect_any phrases, articles or expect_fallback: true")
    return EvalCase(raw["id"], raw.get("lang", ""), raw["q"], expect_any, fallback, articles)


def is_correct(case: EvalCase, answer: Answer) -> bool:
    return EvalResult(case, answer).correct


def evaluate(answerer: _Answers, cases: Sequence[EvalCase]) -> EvalReport:
    return EvalReport(tuple(EvalResult(case, answerer.answer(case.q)) for case in cases))
