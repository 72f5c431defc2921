"""Swedish derivation: a verbal noun in -ing/-ning meets its verb, and suffixes are never
taken for compound parts. Word families only; nothing here is an evaluation question."""

from __future__ import annotations

import pytest

from knowledge.analysis.compounds import Analyzer

# verbs (and two nouns whose verb the corpus lacks), as articles would use them
CORPUS = (
    "radera gallra behandla lagra anmäla spara registrera kund tid begäran tydlig "
    "kryptering ordning men"
)


@pytest.fixture(scope="module")
def swedish() -> Analyzer:
    analyzer = Analyzer("sv")
    analyzer.learn([CORPUS])
    return analyzer


@pytest.mark.parametrize(
    "family",
    [
        ("radera", "raderar", "raderad", "radering", "raderingen", "raderingar"),
        ("gallra", "gallrar", "gallrade", "gallring", "gallringen"),
        ("behandla", "behandlas", "behandlad", "behandling", "behandlingen", "behandlingarna"),
        ("lagra", "lagrar", "lagrade", "lagring", "lagringen"),
        ("spara", "sparar", "sparad", "sparning", "sparningen"),
        ("anmäla", "anmäler", "anmälning", "anmälningar"),
        ("registrera", "registrerad", "registrering", "registreringen"),
    ],
)
def test_a_verbal_noun_has_the_stem_of_its_verb(swedish: Analyzer, family: tuple[str, ...]) -> None:
    assert {swedish.stem(word) for word in family} == {swedish.stem(family[0])}


def test_a_verb_meets_its_noun_when_the_corpus_has_only_the_noun(swedish: Analyzer) -> None:
    assert swedish.stem("krypterad") == swedish.stem("krypterar") == swedish.stem("kryptering")


def test_a_noun_is_not_reduced_to_a_base_the_corpus_lacks(swedish: Analyzer) -> None:
    assert swedish.stem("parkering") == "parkering"


def test_a_short_accidental_base_is_not_a_verb(swedish: Analyzer) -> None:
    # "tidning" is not "tid" + -ning, "mening" is not "men" + -ing
    assert swedish.stem("tidning") != swedish.stem("tid")
    assert swedish.stem("mening") != swedish.stem("men")


@pytest.mark.parametrize("word", ["radering", "gallringen", "behandling", "tydlighet"])
def test_a_derived_word_is_not_split_into_a_suffix(swedish: Analyzer, word: str) -> None:
    assert swedish.split_compound(word) == ()


def test_a_verbal_noun_in_a_question_is_one_term_without_compound_parts(
    swedish: Analyzer,
) -> None:
    word = swedish.query_terms("raderingen")[0]
    assert word.terms == (swedish.stem("radera"),) and word.also == ()


def test_a_compound_ending_in_a_verbal_noun_keeps_the_verb_as_its_part(
    swedish: Analyzer,
) -> None:
    assert swedish.query_terms("kundregistreringen")[0].terms == (
        swedish.stem("kund"),
        swedish.stem("registrera"),
    )


def test_a_part_that_is_a_verb_stem_is_not_stemmed_again(swedish: Analyzer) -> None:
    # "raderings-" is the verb's stem `rader`, not the plural of "rad" (rows)
    assert swedish.stem("radera") in swedish.expand_word("raderingsbegäran")
    assert swedish.stem("rad") not in swedish.expand_word("raderingsbegäran")


def test_english_is_left_to_its_stemmer() -> None:
    english = Analyzer("en")
    english.learn(["delete processing store"])
    assert english.stem("deleting") == english.stem("delete")
