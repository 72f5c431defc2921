"""Language detection: function words and å/ä/ö decide; unclear questions get the
answerer's vocabulary test, then the default. No topic word is needed to decide."""

from __future__ import annotations

import pytest

from knowledge import Answerer, detect_language
from knowledge.analysis.language import guess_language


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
