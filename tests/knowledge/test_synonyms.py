"""The synonym map: everyday words reach the articles' vocabulary, and nothing more."""

from __future__ import annotations

import pytest

from knowledge.model import Lang
from knowledge.stopwords import STOPWORDS
from knowledge.synonyms import expand


def canonical(text: str, lang: Lang) -> str:
    return " ".join(words for _, words in expand(text, lang))


@pytest.mark.parametrize("text", ["gdpr boter", "hur stora böter", "bötesbelopp", "kan man böta"])
def test_fines_in_swedish_with_or_without_the_dots(text: str) -> None:
    assert "sanktionsavgift" in canonical(text, "sv")


@pytest.mark.parametrize("text", ["vad skickar boten", "fråga botten", "en bot i slack"])
def test_the_chat_bot_is_not_a_fine(text: str) -> None:
    assert "sanktionsavgift" not in canonical(text, "sv")


@pytest.mark.parametrize("text", ["can data go to the us", "servers in the USA"])
def test_the_us_is_a_third_country(text: str) -> None:
    assert "third country" in canonical(text, "en")


def test_us_as_a_pronoun_is_not_a_country() -> None:
    assert "third country" not in canonical("can you send us the form", "en")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("customer says their address is wrong", "en"),
        ("his name was misspelled", "en"),
        ("kunden säger att adressen är fel", "sv"),
        ("efternamnet är felstavat", "sv"),
    ],
)
def test_wrong_personal_details_lean_to_rectification(text: str, lang: Lang) -> None:
    assert "rättelse" in canonical(text, lang) or "rectification" in canonical(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [("i sent the invoice to the wrong customer", "en"), ("jag skickade mejlet till fel", "sv")],
)
def test_sending_to_the_wrong_party_leans_to_a_breach(text: str, lang: Lang) -> None:
    assert "breach" in canonical(text, lang) or "personuppgiftsincident" in canonical(text, lang)


@pytest.mark.parametrize("word", ["oj", "oops", "hmm", "asså", "lol", "pls", "btw", "hej", "tack"])
def test_interjections_are_stop_words_in_both_languages(word: str) -> None:
    assert word in STOPWORDS["sv"] and word in STOPWORDS["en"]


def test_e_typed_for_ar_is_a_swedish_stop_word() -> None:
    assert "e" in STOPWORDS["sv"]


def test_sent_to_the_wrong_address_is_not_a_rectification() -> None:
    assert "rectification" not in canonical("i sent an invoice to the wrong email address", "en")
    assert "rättelse" not in canonical("skickade fakturan till fel adress", "sv")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("kunden undrar vilka uppgifter vi har om henne", "sv"),
        ("vad har ni sparat om mig", "sv"),
        ("he asks which details we hold about him", "en"),
    ],
)
def test_what_do_you_have_on_me_is_an_access_request(text: str, lang: Lang) -> None:
    assert "registerutdrag" in canonical(text, lang) or "access" in canonical(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("must we tell the customers", "en"),
        ("let everyone know about it", "en"),
        ("ska vi berätta för kunderna", "sv"),
    ],
)
def test_telling_the_customers_is_informing_them(text: str, lang: Lang) -> None:
    assert "inform" in canonical(text, lang)


def test_forms_of_have_are_swedish_stop_words() -> None:
    assert {"ha", "hade", "haft"} <= STOPWORDS["sv"]
