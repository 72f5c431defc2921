"""The directory's lookups: by id, by channel, and which client a question is about."""

from __future__ import annotations

import pytest

from clients import Client, Directory, UnknownClient


def test_a_slack_channel_belongs_to_its_client(example: Directory, solvinge: Client) -> None:
    assert example.client_for_channel("C05SOLVINGE") == solvinge


def test_a_teams_channel_and_its_threads_belong_to_its_client(
    example: Directory, hemladan: Client
) -> None:
    channel = "19:8b7e6d5c4a3b2f1e0d9c@thread.tacv2"

    assert example.client_for_channel(channel) == hemladan
    assert example.client_for_channel(f"{channel};messageid=1712345678901") == hemladan


def test_other_channels_belong_to_no_client(example: Directory) -> None:
    assert example.client_for_channel("C0OTHER") is None
    assert example.client_for_channel("c05solvinge") is None  # Slack ids are exact
    assert example.client_for_channel("console") is None


def test_an_id_is_found_whatever_its_case(example: Directory, solvinge: Client) -> None:
    assert example.get("Solvinge ") == solvinge
    assert example.get("acme") is None


def test_an_unknown_id_is_an_error_naming_the_known_ones(example: Directory) -> None:
    with pytest.raises(UnknownClient) as raised:
        example.require("solvinga")

    assert str(raised.value) == (
        "unknown client 'solvinga' (did you mean 'solvinge'? known: solvinge, hemladan)"
    )


def test_an_unknown_id_without_a_directory_says_none_is_configured() -> None:
    with pytest.raises(UnknownClient, match="no client directory is configured"):
        Directory().require("acme")


def test_an_explicit_choice_wins_over_names_and_channel(
    example: Directory, solvinge: Client
) -> None:
    found = example.resolve("Hemlådan-kunden", channel_id="C05HEMLADAN", client_id="solvinge")

    assert (found.client, found.source) == (solvinge, "explicit")


def test_an_unknown_explicit_choice_is_an_error(example: Directory) -> None:
    with pytest.raises(UnknownClient):
        example.resolve("kunden vill bli raderad", client_id="acme")


def test_a_name_in_the_question_wins_over_the_channel(example: Directory, hemladan: Client) -> None:
    found = example.resolve("Hemlådan-kunden vill bli raderad", channel_id="C05SOLVINGE")

    assert (found.client, found.source) == (hemladan, "question")
    assert [m.client for m in found.mentions] == [hemladan]


def test_the_channel_says_which_client_when_the_question_does_not(
    example: Directory, solvinge: Client
) -> None:
    found = example.resolve("kunden vill bli raderad", channel_id="C05SOLVINGE")

    assert (found.client, found.source) == (solvinge, "channel")


def test_two_clients_named_leave_the_choice_to_the_agent(
    example: Directory, solvinge: Client, hemladan: Client
) -> None:
    found = example.resolve("kunden har konto hos Solvinge och Hemlådan")

    assert found.client is None and found.ambiguous
    assert found.candidates == (solvinge, hemladan)


def test_two_clients_named_in_one_of_their_channels_offer_that_client_first(
    example: Directory, solvinge: Client, hemladan: Client
) -> None:
    found = example.resolve("Solvinge eller Hemlådan?", channel_id="C05HEMLADAN")

    assert found.client is None
    assert found.candidates == (hemladan, solvinge)


def test_no_clue_offers_every_client(example: Directory) -> None:
    found = example.resolve("kunden vill bli raderad", channel_id="C0GENERAL")

    assert (found.client, found.source) == (None, "none")
    assert found.candidates == example.clients and found.ambiguous


def test_an_empty_directory_resolves_to_no_client_and_no_candidates() -> None:
    found = Directory().resolve("Acme-kunden", channel_id="C0ACME")

    assert (found.client, found.candidates, found.ambiguous) == (None, (), False)


def test_a_directory_built_in_code_refuses_an_id_or_channel_twice(solvinge: Client) -> None:
    with pytest.raises(ValueError, match="appears twice"):
        Directory((solvinge, solvinge))
