"""Text analysis: compounds split against the corpus, misspellings corrected to corpus terms."""

from __future__ import annotations

import pytest

from knowledge.text import Analyzer, words


@pytest.fixture(scope="module")
def swedish() -> Analyzer:
    analyzer = Analyzer("sv")
    analyzer.learn(
        [
            "Lagring av uppgifter. Tiden för ärenden. Registerutdrag ska lämnas.",
            "Personuppgiftsansvarig och personuppgiftsbiträde skriver ett avtal.",
            "Sanktionsavgifter och böter.",
        ]
    )
    return analyzer


def test_hyphenated_words_yield_the_joined_form_and_the_parts() -> None:
    assert words("E-post och IT-support") == [
        "epost",
        "e",
        "post",
        "och",
        "itsupport",
        "it",
        "support",
    ]


def test_an_unseen_compound_is_split_into_known_parts(swedish: Analyzer) -> None:
    parts = swedish.split_compound("lagringstiden")
    assert [swedish.stem(p) for p in parts] == [swedish.stem("lagring"), swedish.stem("tiden")]


def test_a_word_with_unknown_parts_is_not_split(swedish: Analyzer) -> None:
    assert swedish.split_compound("parkeringsplats") == ()


def test_an_inflected_form_matches_the_stem_of_the_corpus_word(swedish: Analyzer) -> None:
    assert swedish.query_term("registerutdraget").terms == (swedish.stem("registerutdrag"),)


def test_a_missing_letter_is_corrected_to_a_corpus_term(swedish: Analyzer) -> None:
    corrected = swedish.query_term("registerutrag")
    assert corrected.known and corrected.terms == (swedish.stem("registerutdrag"),)


def test_missing_diacritics_are_restored(swedish: Analyzer) -> None:
    assert swedish.query_term("boterna").terms == (swedish.stem("böter"),)


def test_a_common_everyday_word_is_not_treated_as_a_misspelling(swedish: Analyzer) -> None:
    assert not swedish.query_term("lunchen").known


def test_stop_words_are_not_content(swedish: Analyzer) -> None:
    assert swedish.content_words("hur gör jag med registerutdrag") == ["registerutdrag"]


def test_a_definite_form_snowball_leaves_maps_to_the_corpus_stem() -> None:
    analyzer = Analyzer("sv")
    analyzer.learn(["Dela aldrig ditt lösenord. Skicka inte mejl med personnummer."])
    assert analyzer.query_term("lösenordet").terms == (analyzer.stem("lösenord"),)
    assert analyzer.query_term("mejlet").terms == (analyzer.stem("mejl"),)


def test_a_hyphenated_question_word_is_one_word(swedish: Analyzer) -> None:
    assert [q.word for q in swedish.query_terms("registerutdrag-avtal")] == ["registerutdragavtal"]


def test_swedish_definite_plural_na_matches_the_base_form(swedish: Analyzer) -> None:
    assert swedish.stem("ärendena") == swedish.stem("ärenden")


def test_irregular_verb_forms_match_the_base_form_the_corpus_uses() -> None:
    english = Analyzer("en")
    english.learn(["The customer may withdraw consent."])
    (withdrew,) = english.query_terms("withdrew")
    assert withdrew.known and withdrew.terms == (english.stem("withdraw"),)


def test_irregular_forms_in_the_articles_match_the_base_form_in_questions() -> None:
    english = Analyzer("en")
    english.learn(["Consent can be withdrawn at any time."])
    (withdraw,) = english.query_terms("withdraw")
    assert withdraw.known and withdraw.terms == (english.stem("withdrawn"),)
