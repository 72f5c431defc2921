"""`kb eval`'s verdicts: what counts as answered right, clarified right, refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.evaluate import EvalCase, EvalFileError, EvalReport, EvalResult, read_cases
from knowledge.model import Answer, ArticleRef, Suggestion

REF = ArticleRef("right-of-access", "Registerutdrag", "DPO", "2026-01-01")


def _answer(outcome: str, **kw: object) -> Answer:
    return Answer(
        answered=outcome == "answer",
        lang="sv",
        text=str(kw.pop("text", "")),
        article=REF if outcome == "answer" else None,
        score=0.5,
        outcome=outcome,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


BY_ID = EvalCase("1", "sv", "q", articles=("right-of-access",))
BY_PHRASE = EvalCase("2", "sv", "q", expect_any=("en månad",))
OFF = EvalCase("3", "sv", "q", expect_fallback=True)


@pytest.mark.parametrize(
    ("case", "answer", "verdict"),
    [
        (BY_ID, _answer("answer"), "answered_right"),
        (BY_PHRASE, _answer("answer", text="Svara inom EN MÅNAD."), "answered_right"),
        (BY_PHRASE, _answer("answer", text="Något annat."), "answered_wrong"),
        (
            BY_ID,
            _answer("clarify", suggestions=(Suggestion("right-of-access", "t"),)),
            "clarified_right",
        ),
        (BY_ID, _answer("clarify", suggestions=(Suggestion("fines", "t"),)), "clarified_wrong"),
        (
            BY_PHRASE,
            _answer("clarify", suggestions=(Suggestion("x", "t", 0.4, "en månad"),)),
            "clarified_right",
        ),
        (BY_ID, _answer("refuse"), "refused"),
        (OFF, _answer("refuse"), "off_topic_refused"),
        (OFF, _answer("clarify"), "off_topic_clarified"),
        (OFF, _answer("answer"), "off_topic_answered"),
    ],
)
def test_each_outcome_gets_its_verdict(case: EvalCase, answer: Answer, verdict: str) -> None:
    assert EvalResult(case, answer).verdict == verdict


def test_the_summary_keeps_the_old_keys_and_adds_rates_per_language() -> None:
    report = EvalReport((EvalResult(BY_ID, _answer("answer")), EvalResult(OFF, _answer("clarify"))))
    summary = report.as_json()
    assert {"total", "correct", "answerable_accuracy", "fallback_accuracy", "failures"} <= set(
        summary
    )
    assert summary["fallback_accuracy"] == 0.0  # a "did you mean" is not a refusal
    assert summary["by_language"]["sv"]["answered_right"] == 1
    assert summary["overall"]["off_topic_clarified"] == 1


def test_a_line_needs_articles_phrases_or_fallback(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "q": "hej"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"bad.jsonl:1:"):
        read_cases(path)
