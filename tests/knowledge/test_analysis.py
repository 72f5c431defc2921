"""Text analysis: words, Swedish compounds, spelling fallbacks, stop words, synonyms, and
small talk. General linguistics only: nothing here names a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import Answerer, KnowledgeError, small_talk
from knowledge.analysis.compounds import Analyzer
from knowledge.analysis.smalltalk import small_talk_language
from knowledge.analysis.synonyms import check_synonyms, load_synonyms
from knowledge.analysis.tokens import words
from knowledge.retrieval.lexical import LanguageIndex
from tests.knowledge.conftest import FIXTURE_KB


@pytest.fixture(scope="module")
def swedish() -> Analyzer:
    analyzer = Analyzer("sv")
    analyzer.learn(
        ["registerutdrag lagring tiden kund uppgifter lösenord mejl ärende böter personuppgifter"]
    )
    return analyzer


def test_hyphenated_words_yield_the_joined_form_and_the_parts() -> None:
    assert words("usb-sticka") == ["usbsticka", "usb", "sticka"]


def test_an_unseen_compound_is_split_into_known_parts(swedish: Analyzer) -> None:
    word = swedish.query_terms("lagringstiden")[0]
    assert word.known and len(word.terms) == 2


def test_a_word_with_unknown_parts_is_not_split(swedish: Analyzer) -> None:
    assert swedish.split_compound("fikarasten") == ()


def test_an_inflected_form_matches_the_stem_of_the_corpus_word(swedish: Analyzer) -> None:
    assert swedish.query_terms("registerutdraget")[0].terms == (swedish.stem("registerutdrag"),)


def test_a_missing_letter_is_corrected_to_a_corpus_term(swedish: Analyzer) -> None:
    word = swedish.query_terms("registerutrag")[0]
    assert word.known and word.terms == (swedish.stem("registerutdrag"),)


def test_missing_diacritics_are_restored(swedish: Analyzer) -> None:
    assert swedish.query_terms("boter")[0].terms == (swedish.stem("böter"),)


def test_short_words_are_not_spell_corrected(swedish: Analyzer) -> None:
    assert not swedish.query_terms("kunf")[0].known


def test_stop_words_are_not_content(swedish: Analyzer) -> None:
    assert swedish.query_terms("hur gör jag") == []


def test_a_definite_form_snowball_leaves_maps_to_the_corpus_stem(swedish: Analyzer) -> None:
    assert swedish.stem("lösenordet") == swedish.stem("lösenord")


def test_a_hyphenated_question_word_is_one_word(swedish: Analyzer) -> None:
    assert len(swedish.query_terms("kund-uppgifter")) == 1


def test_the_shipped_synonym_list_is_valid() -> None:
    assert check_synonyms()[1] == []


def test_a_synonym_matches_the_word_the_articles_use() -> None:
    from knowledge import load_knowledge_base

    kb = load_knowledge_base([FIXTURE_KB], include_shipped=False)
    index = LanguageIndex("sv", kb.in_language("sv"), load_synonyms())
    slot = index.slots("dpo")[0]
    assert index.analyzer.stem("dataskyddsombud") in slot.terms


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sv:\n  - [mejl, Mail]\n", "not a single lower-case word: 'Mail'"),
        ("sv:\n  - [mejl, mejl]\n", "needs two different words"),
        ("sv:\n  - [mejl, mail]\n  - [epost, mejl]\n", "'mejl' is already in another group"),
        ("de:\n  - [a, b]\n", "unknown language"),
        ("sv:\n  - mejl\n", "a group is a list of words"),
        ("sv: [\n", "syntax error"),
    ],
)
def test_a_broken_synonym_file_names_file_line_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems = check_synonyms(path)
    assert len(problems) == 1 and problem in problems[0].message
    assert str(problems[0]).startswith(f"{path}:")


def test_loading_a_broken_synonym_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text("sv:\n  - [x]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_synonyms(path)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hej", "greeting"),
        ("Hejsan!", "greeting"),
        ("god morgon", "greeting"),
        ("hello", "greeting"),
        ("good morning everyone", "greeting"),
        ("tack", "thanks"),
        ("tusen tack!", "thanks"),
        ("thanks", "thanks"),
        ("thank you so much", "thanks"),
        ("hej då!", "farewell"),
        ("ha det bra", "farewell"),
        ("vi ses", "farewell"),
        ("bye for now", "farewell"),
        ("goodbye", "farewell"),
    ],
)
def test_greetings_and_thanks_are_small_talk(text: str, kind: str) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "hej, vad är en personuppgift?",
        "thanks, but what about erasure",
        "good",
        "",
        "🙂",
        "hej då, hur raderar jag?",
        "for now",
    ],
)
def test_anything_more_is_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [("hi", "en"), ("Hello there!", "en"), ("thx", "en"), ("hej", "sv"), ("tusen tack", "sv")],
)
def test_small_talk_says_its_language(text: str, lang: str) -> None:
    assert small_talk_language(text) == lang


@pytest.mark.parametrize("text", ["ok bot", "hur länge sparar vi samtal?"])
def test_words_both_languages_use_leave_the_language_open(text: str) -> None:
    assert small_talk_language(text) is None


def test_a_goodbye_is_answered_as_a_goodbye_in_its_language(answerer: Answerer) -> None:
    answer = answerer.answer("hej då")
    assert (answer.outcome, answer.reason, answer.lang) == ("refuse", "farewell", "sv")
    assert answer.text.startswith("Hej då!")
    assert answerer.answer("bye").text.startswith("Goodbye!")


def test_a_greeting_is_answered_in_its_language(answerer: Answerer) -> None:
    assert answerer.answer("hi!").lang == "en"
    assert answerer.answer("hej!").lang == "sv"
