"""Language detection: function words and å/ä/ö decide; what they leave open the
articles' profile (word frequencies, letter trigrams) decides when it is clear enough;
else None, and the caller's fallback (the answerer's: the default language)."""

from __future__ import annotations

import pytest

from knowledge import Answerer, KnowledgeBase, detect_language
from knowledge.analysis.language import Profile, guess_language


@pytest.mark.parametrize(
    "question",
    [
        "Hur lång tid har vi på oss att svara?",
        "vad gäller för registerutdrag",
        "kunden vill bli raderad direkt, vad gör jag?",
        "får vi spela in samtal",
    ],
)
def test_swedish_questions_are_swedish(question: str) -> None:
    assert detect_language(question, default="en") == "sv"


@pytest.mark.parametrize(
    "question",
    [
        "How long do we have to answer?",
        "a caller wants everything we have on him, how long do we have?",
        "What is the right to be forgotten?",
        "can I give the account details to her husband",
    ],
)
def test_english_questions_are_english(question: str) -> None:
    assert detect_language(question, default="sv") == "en"


def test_no_function_words_gives_the_default() -> None:
    assert detect_language("GDPR", default="en") == "en"
    assert guess_language("GDPR") is None


def test_swedish_letters_tip_the_balance() -> None:
    assert detect_language("data för kunder") == "sv"


def test_words_only_one_languages_articles_use_decide_an_unclear_question(
    answerer: Answerer,
) -> None:
    assert guess_language("registerutdrag kostnad") is None
    assert answerer.language("registerutdrag kostnad") == "sv"


def test_mixed_swedish_and_english_goes_to_the_language_with_more_function_words() -> None:
    assert detect_language("kan jag skicka en access request till kunden?") == "sv"
    assert detect_language("can I send the registerutdrag to the customer?") == "en"


@pytest.fixture(scope="module")
def shipped_profile(shipped_kb: KnowledgeBase) -> Profile:
    return Profile.of_articles(shipped_kb)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("incident report form", "en"), ("lagringstider kundregister", "sv")],
)
def test_a_keyword_message_without_function_words_gets_the_shipped_articles_language(
    shipped_profile: Profile, question: str, lang: str
) -> None:
    assert guess_language(question) is None
    assert guess_language(question, shipped_profile) == lang


def test_a_seen_word_counts_by_how_much_more_often_one_language_uses_it() -> None:
    profile = Profile({"sv": ["kund kund kund avtal"], "en": ["customer customer avtal"]})

    assert profile.guess("kund") == "sv"
    assert profile.guess("customer") == "en"


def test_an_unseen_word_is_read_by_its_letter_trigrams() -> None:
    profile = Profile(
        {
            "sv": ["behandlingen av informationen kräver hanteringen och lagringen"],
            "en": ["the processing of information requires handling and storing"],
        }
    )

    assert profile.guess("sorteringen") == "sv"


def test_a_word_both_languages_use_alike_leaves_the_language_open() -> None:
    profile = Profile({"sv": ["gdpr kund"], "en": ["gdpr customer"]})

    assert profile.guess("gdpr") is None


def test_function_words_decide_before_the_profile() -> None:
    profile = Profile({"sv": ["kunden kunden kunden"], "en": ["customer"]})

    assert guess_language("the kunden", profile) == "en"


@pytest.mark.parametrize("message", ["GDPR?", "👍", "???"])
def test_the_answerer_says_none_when_nothing_gives_the_language_away(
    answerer: Answerer, message: str
) -> None:
    assert answerer.guess_language(message) is None
    assert answerer.language(message) == answerer.default_lang


def test_the_profile_is_built_at_warm_up_not_when_the_answerer_is_built(
    fixture_kb: KnowledgeBase,
) -> None:
    answerer = Answerer(fixture_kb, "dpo@example.test")
    assert "profile" not in vars(answerer)  # `gdpr-bot ask` with a clear question: never

    answerer.warm_up()

    assert "profile" in vars(answerer)
