"""Language detection: function words and å/ä/ö decide; unclear questions get the default."""

from __future__ import annotations

import pytest

from knowledge import detect_language
from knowledge.language import guess_language


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


def test_a_question_without_clues_gets_the_default() -> None:
    assert detect_language("GDPR", default="en") == "en"
    assert guess_language("GDPR") is None


def test_swedish_letters_outweigh_a_shared_word() -> None:
    assert detect_language("data för kunder") == "sv"


def test_swedish_content_words_outvote_an_english_looking_particle() -> None:
    # "in" and "i" are function words in both languages; "klistra" is only Swedish
    assert guess_language("klistra in kunddata i chatgpt") == "sv"


def test_english_content_words_vote_english_without_function_words() -> None:
    assert guess_language("paste customer records chatgpt") == "en"


def test_brand_names_alone_do_not_decide_the_language() -> None:
    assert guess_language("chatgpt gdpr") is None
