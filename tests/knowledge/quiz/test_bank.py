"""The question bank: every problem named as `path:line: field: message`, the shipped
bank valid and teaching existing articles, drawing new questions for a retry."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import KnowledgeBase, KnowledgeError
from knowledge.quiz import QUIZ_DIR, check_quiz, load_quiz_bank

ARTICLES = {"sv": {"right-to-erasure", "phishing"}, "en": {"right-to-erasure"}}

QUESTION = """\
  - id: {id}
    question: En kund ringer och vill att vi raderar allt. Vad gör du?
    options:
      - Raderar allt direkt.
      - Registrerar begäran och skickar den vidare.
      - Säger att det inte går.
    correct: 2
    explanation: Den personuppgiftsansvarige beslutar om radering inom en månad.
    article: right-to-erasure
    tags: [customer-service, rights]
    difficulty: easy
"""

EXPLANATION = "    explanation: Den personuppgiftsansvarige beslutar om radering inom en månad."
WriteQuiz = Callable[..., Path]


@pytest.fixture
def write_quiz(tmp_path: Path) -> WriteQuiz:
    """Write a quiz file under tmp/<lang>/<name>.yaml: `lang: <lang>`, then the questions,
    each a valid one with `replace` applied (old line -> new line, or None to drop it)."""

    def write(
        *ids: str,
        lang: str = "sv",
        name: str = "bank",
        replace: dict[str, str | None] | None = None,
    ) -> Path:
        body = "".join(QUESTION.format(id=qid) for qid in ids or ("erasure-call",))
        for old, new in (replace or {}).items():
            assert old in body, old
            body = body.replace(old + "\n", "" if new is None else new + "\n")
        path = tmp_path / lang / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"lang: {lang}\nquestions:\n{body}", encoding="utf-8")
        return path

    return write


def problems_in(path: Path) -> list[str]:
    return [str(p) for p in check_quiz([path], ARTICLES)]


def test_a_valid_file_loads_with_its_fields(write_quiz: WriteQuiz) -> None:
    bank = load_quiz_bank([write_quiz("erasure-call")], ARTICLES)
    question = bank.get("erasure-call", "sv")
    assert question is not None
    assert question.options[1] == "Registrerar begäran och skickar den vidare."
    assert question.correct == frozenset({1}) and question.is_right(1)
    assert not question.is_right(0)
    assert question.tags == ("customer-service", "rights") and question.difficulty == "easy"


def test_an_unknown_article_is_named_with_its_line(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    article: right-to-erasure": "    article: no-such-article"})
    assert problems_in(path) == [
        f"{path}:11: article: unknown article 'no-such-article' "
        "(no such id in the sv knowledge base)"
    ]


def test_the_article_must_exist_in_the_question_language(write_quiz: WriteQuiz) -> None:
    path = write_quiz(lang="en", replace={"    article: right-to-erasure": "    article: phishing"})
    assert problems_in(path) == [
        f"{path}:11: article: unknown article 'phishing' (no such id in the en knowledge base)"
    ]


def test_a_missing_field_points_at_the_question(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={EXPLANATION: None})
    assert problems_in(path) == [f"{path}:3: explanation: missing required field"]


def test_a_correct_option_that_does_not_exist(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    correct: 2": "    correct: 4"})
    assert problems_in(path) == [f"{path}:9: correct: option 4 does not exist (options 1-3)"]


def test_every_option_correct_is_not_a_question(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    correct: 2": "    correct: [1, 2, 3]"})
    assert problems_in(path) == [
        f"{path}:9: correct: every option is marked correct; at least one must be wrong"
    ]


def test_several_right_options_are_allowed(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    correct: 2": "    correct: [1, 2]"})
    question = load_quiz_bank([path], ARTICLES).questions[0]
    assert question.correct == frozenset({0, 1})


def test_two_options_are_too_few(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"      - Säger att det inte går.": None})
    assert problems_in(path) == [f"{path}:5: options: has 2 options; needs 3-4"]


def test_a_bad_difficulty_and_a_bad_tag_are_both_reported(write_quiz: WriteQuiz) -> None:
    path = write_quiz(
        replace={
            "    difficulty: easy": "    difficulty: trivial",
            "    tags: [customer-service, rights]": "    tags: [Customer Service]",
        }
    )
    assert problems_in(path) == [
        f"{path}:13: difficulty: 'trivial' is not one of: easy, medium, hard",
        f"{path}:12: tags: 'Customer Service' is not lowercase-kebab (e.g. customer-service)",
    ]


def test_an_explanation_must_be_one_line(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={EXPLANATION: '    explanation: "Två\\nrader."'})
    assert problems_in(path) == [f"{path}:10: explanation: must be one line"]


def test_an_unknown_field_is_named(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    difficulty: easy": "    difficulty: easy\n    level: 3"})
    assert problems_in(path) == [
        f"{path}:14: level: unknown field (known: id, question, options, correct, "
        "explanation, article, tags, difficulty)"
    ]


def test_a_duplicate_id_in_one_language_names_both_places(write_quiz: WriteQuiz) -> None:
    path = write_quiz("same-id", "same-id")
    assert problems_in(path) == [
        f"{path}:14: id: duplicate id 'same-id' for lang sv (also at {path}:3)"
    ]


def test_a_language_that_does_not_match_its_folder(write_quiz: WriteQuiz) -> None:
    path = write_quiz()
    path.write_text(path.read_text(encoding="utf-8").replace("lang: sv", "lang: en", 1))
    assert problems_in(path) == [f"{path}:1: lang: 'en' does not match the folder 'sv'"]


def test_a_missing_language_is_one_problem(write_quiz: WriteQuiz) -> None:
    # the article check also said "no such id in the  knowledge base" (no language to look in)
    path = write_quiz()
    path.write_text(path.read_text(encoding="utf-8").replace("lang: sv\n", "", 1))
    assert problems_in(path) == [f"{path}:1: lang: missing required field"]


def test_a_yaml_syntax_error_gives_its_line(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    correct: 2": "    correct: [2"})
    [problem] = problems_in(path)
    assert problem.startswith(f"{path}:10: yaml: syntax error")


def test_loading_a_broken_bank_raises_with_every_problem(write_quiz: WriteQuiz) -> None:
    path = write_quiz(replace={"    correct: 2": "    correct: 9"})
    with pytest.raises(KnowledgeError) as raised:
        load_quiz_bank([path], ARTICLES)
    assert [p.field for p in raised.value.problems] == ["correct"]


def test_a_later_folder_overrides_a_question_by_id(tmp_path: Path, write_quiz: WriteQuiz) -> None:
    first = write_quiz("erasure-call", name="a")
    second = tmp_path / "override" / "sv" / "b.yaml"
    second.parent.mkdir(parents=True)
    second.write_text(
        first.read_text(encoding="utf-8").replace("Raderar allt direkt.", "Raderar allt nu."),
        encoding="utf-8",
    )
    bank = load_quiz_bank([first.parent, second.parent.parent], ARTICLES)
    question = bank.get("erasure-call", "sv")
    assert len(bank.questions) == 1 and question is not None
    assert question.options[0] == "Raderar allt nu."


def test_a_retry_draw_prefers_questions_not_asked_before(write_quiz: WriteQuiz) -> None:
    bank = load_quiz_bank([write_quiz("q-1", "q-2", "q-3", "q-4", "q-5")], ARTICLES)
    asked = ("q-1", "q-2", "q-3")
    drawn = bank.draw("sv", 2, tags=["rights"], avoid=asked, rng=random.Random(7))
    assert {q.id for q in drawn} == {"q-4", "q-5"}
    more = bank.draw("sv", 4, avoid=asked, rng=random.Random(7))
    assert {q.id for q in more[:2]} == {"q-4", "q-5"} and len(more) == 4


def test_a_draw_takes_only_questions_with_the_asked_tags(write_quiz: WriteQuiz) -> None:
    bank = load_quiz_bank([write_quiz("q-1")], ARTICLES)
    assert bank.draw("sv", 5, tags=["breach"]) == ()
    assert len(bank.draw("sv", 5, tags=["breach", "rights"])) == 1


def test_the_shipped_bank_is_valid_against_the_shipped_articles(
    shipped_kb: KnowledgeBase,
) -> None:
    articles: dict[str, set[str]] = {}
    for article in shipped_kb:
        articles.setdefault(article.lang, set()).add(article.id)
    assert [str(p) for p in check_quiz([QUIZ_DIR], articles)] == []


def test_the_shipped_bank_has_40_questions_per_language_on_every_article(
    shipped_kb: KnowledgeBase,
) -> None:
    bank = load_quiz_bank([QUIZ_DIR])
    for lang in ("sv", "en"):
        questions = bank.in_language(lang)
        assert len(questions) >= 40
        taught = {q.article for q in questions}
        assert taught == {a.id for a in shipped_kb.in_language(lang)}


def test_the_shipped_languages_hold_the_same_questions() -> None:
    bank = load_quiz_bank([QUIZ_DIR])
    swedish = {(q.id, q.article, q.correct, len(q.options)) for q in bank.in_language("sv")}
    english = {(q.id, q.article, q.correct, len(q.options)) for q in bank.in_language("en")}
    assert swedish == english
