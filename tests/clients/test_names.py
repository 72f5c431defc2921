"""Which client a question names: the matching rule, as a specification.

Names match whole tokens (letters and digits), case- and diacritic-blind; a hyphen or colon
starts a new token (`Acme-kunden`, `Acme:s`); only a genitive `s` may be glued on; the
longest name wins an overlap; two clients named are both reported.
"""

from __future__ import annotations

import pytest

from clients import Client, Directory, RightsRequests, Texts, fold


def client(client_id: str, name: str, *aliases: str) -> Client:
    rights = RightsRequests(f"privacy@{client_id}.example", None, None, 1, Texts("Hej", "Hi"))
    return Client(client_id, name, name, rights, aliases=aliases)


DIRECTORY = Directory(
    (
        client("acme", "Acme AB", "acme-kön", "acme queue"),
        client("acme-resor", "Acme Resor AB (publ)"),
        client("nordbuss", "Nord Buss Sverige AB", "nordbuss"),
        client("ica", "Lilla Ica AB", "ICA"),
        client("bokus", "Bokhörnan Öst AB", "Bokhörnan"),
    )
)


def named(text: str) -> list[str]:
    return [c.id for c in DIRECTORY.clients_named_in(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Acme-kunden vill bli raderad",
        "acmes kund vill ha ett registerutdrag",
        "Vad gäller för Acme:s kunder?",
        "ärende i acme-kön",
        "ärende i acme kön",  # hyphen and space are the same
        "ärende i ACME-KON",  # case and diacritics do not matter
        "a customer in the acme queue",
        "Acme's customer wants to be erased",
        "kunden hos Acme AB vill bli raderad",
        "Acme AB:s kund",
        "(acme)",
        "acme/hemlådan",
    ],
)
def test_a_client_is_named_however_agents_write_it(text: str) -> None:
    assert named(text)[:1] == ["acme"]


@pytest.mark.parametrize(
    "text",
    [
        "acmeplast har ringt",  # another word that begins with the name
        "akme-kunden",  # a different spelling is a different name
        "kunden vill bli raderad",
        "acmen",  # only a genitive s may be glued on
        "queue",  # part of a several-word alias is not the alias
    ],
)
def test_no_client_is_found_inside_other_words(text: str) -> None:
    assert named(text) == []


def test_the_name_without_its_legal_form_is_a_name() -> None:
    assert named("Acme Resor-kunden") == ["acme-resor"]
    assert named("Acme Resor AB (publ)") == ["acme-resor"]


def test_the_longest_name_wins_where_names_overlap() -> None:
    """`Acme Resor` is one client; the `Acme` inside it is not another client as well."""
    assert named("acme resors kund vill bli raderad") == ["acme-resor"]


def test_a_very_short_name_needs_its_legal_form_unless_it_is_an_alias() -> None:
    directory = Directory((client("bo", "Bo AB"), client("sj", "SJ AB", "SJ")))

    assert directory.clients_named_in("var bor kunden? bo kvar") == ()
    assert [c.id for c in directory.clients_named_in("Bo AB:s kund")] == ["bo"]
    assert [c.id for c in directory.clients_named_in("SJ-kunden")] == ["sj"]


def test_two_clients_named_are_both_reported_in_order() -> None:
    assert named("kunden har konton hos både Acme Resor och Acme") == ["acme-resor", "acme"]


def test_a_client_named_twice_is_reported_once() -> None:
    assert named("Acme-kunden, alltså acme-kön") == ["acme"]


def test_a_name_of_several_words_matches_written_as_one_word() -> None:
    assert named("en nordbussresenär? nej, en Nordbusskund") == []
    assert named("Nordbuss kund") == ["nordbuss"]
    assert named("nord buss sverige") == ["nordbuss"]
    assert named("acmeresors bokning") == ["acme-resor"]  # closed compound + genitive


def test_swedish_letters_may_be_typed_without_their_dots() -> None:
    assert named("bokhornan ost ab") == ["bokus"]
    assert named("Bokhörnans kund") == ["bokus"]


def test_a_short_alias_still_needs_a_whole_token() -> None:
    assert named("ICA-kunden") == ["ica"]
    assert named("musica och replica") == []


def test_a_mention_says_where_the_name_is() -> None:
    text = "Vad gör jag med Acme-kunden?"
    (mention,) = DIRECTORY.mentions(text)

    assert text[mention.start : mention.end] == "Acme"
    assert mention.client.id == "acme"


def test_the_span_includes_a_glued_genitive() -> None:
    text = "acmes kund"
    (mention,) = DIRECTORY.mentions(text)

    assert text[mention.start : mention.end] == "acmes"


@pytest.mark.parametrize(
    "written, folded",
    [("Kön", "kon"), ("ÅÄÖ", "aao"), ("Ærø", "aero"), ("Straße", "strasse"), ("Café", "cafe")],
)
def test_folding_drops_case_and_diacritics(written: str, folded: str) -> None:
    assert fold(written) == folded


def test_an_empty_directory_names_no_client() -> None:
    assert Directory().clients_named_in("Acme-kunden") == ()
