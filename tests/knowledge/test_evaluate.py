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


BROKEN_LINES = {
    "articles as one text": ('{"id": "x", "lang": "sv", "q": "hej", "articles": "call-recording"}',
                             "1: articles: expected a list of texts"),
    "a language not sv or en": ('{"id": "x", "lang": "de", "q": "hej", "expect_fallback": true}',
                                "1: lang: expected \"sv\" or \"en\", not 'de'"),
    "a question that is a number": ('{"id": "x", "lang": "sv", "q": 5, "expect_fallback": true}',
                                    "1: q: expected a text"),
    "fallback as text": ('{"id": "x", "lang": "sv", "q": "hej", "expect_fallback": "yes"}',
                         "1: expect_fallback: expected true or false"),
    "no questions at all": ("# only a comment", "1: no questions"),
}  # fmt: skip


@pytest.mark.parametrize("line,expected", BROKEN_LINES.values(), ids=BROKEN_LINES.keys())
def test_a_line_of_the_wrong_shape_names_file_line_and_field(
    tmp_path: Path, line: str, expected: str
) -> None:
    # a string where the list belongs was read letter by letter (articles c, a, l, l, ...)
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError) as raised:
        read_cases(path)
    assert str(raised.value).startswith(f"{path}:{expected}")


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "a", "lang": "sv", "q": "hej", "expect_fallback": true}\n{"q": "f\xe5r"}\n'
    )
    with pytest.raises(EvalFileError, match=r"bad.jsonl:2: not UTF-8 text"):
        read_cases(path)


def test_a_file_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"id": "a", "lang": "sv", "q": "hej", "expect_fallback": true}\n'
    )
    assert [case.id for case in read_cases(path)] == ["a"]
