"""`{{client.X}}` placeholders: a client's facts, or a generic text when no client is known."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clients import (
    FALLBACK,
    LANGS,
    PLACEHOLDERS,
    Client,
    Directory,
    Lang,
    fill,
    forward_within,
    placeholder_values,
    render,
    unknown_placeholders,
)


def test_every_placeholder_has_a_value_for_a_client_and_a_fallback(solvinge: Client) -> None:
    for lang in LANGS:
        assert set(placeholder_values(solvinge, lang)) == set(PLACEHOLDERS)
        assert set(placeholder_values(None, lang)) == set(PLACEHOLDERS)
        assert all(placeholder_values(solvinge, lang).values())
        assert all(FALLBACK[lang].values())


def test_a_client_fills_in_its_controller_and_contacts(solvinge: Client) -> None:
    values = placeholder_values(solvinge, "sv")

    assert values["client.name"] == "Solvinge Resor AB"
    assert values["client.controller"] == "Solvinge Resor AB (org.nr 556000-0001)"
    assert values["client.rights_email"] == "dataskydd@solvinge.example"
    assert values["client.rights_url"] == "https://solvinge.example/dataskydd"


def test_the_contact_line_lists_every_way_to_reach_the_controller(hemladan: Client) -> None:
    assert placeholder_values(hemladan, "sv")["client.rights_contact"] == (
        "e-post integritet@hemladan.example, telefon +46 8 000 12 34"
    )
    assert placeholder_values(hemladan, "en")["client.rights_contact"] == (
        "e-mail integritet@hemladan.example, phone +46 8 000 12 34"
    )


def test_a_missing_contact_is_replaced_by_the_ones_that_exist(hemladan: Client) -> None:
    """Hemlådan has no URL: `{{client.rights_url}}` still names a real way to reach it."""
    values = placeholder_values(hemladan, "sv")

    assert values["client.rights_url"] == values["client.rights_contact"]


@pytest.mark.parametrize(
    "days, lang, text",
    [
        (0, "sv", "samma arbetsdag"),
        (1, "sv", "1 arbetsdag"),
        (2, "sv", "2 arbetsdagar"),
        (0, "en", "the same business day"),
        (1, "en", "1 business day"),
        (5, "en", "5 business days"),
    ],
)
def test_the_forwarding_promise_reads_right_in_the_singular_and_plural(
    days: int, lang: Lang, text: str
) -> None:
    assert forward_within(days, lang) == text


def test_the_forwarding_promise_comes_from_the_client(hemladan: Client) -> None:
    assert placeholder_values(hemladan, "sv")["client.forward_within"] == "2 arbetsdagar"


def test_retention_is_a_short_markdown_list_in_the_language_asked(solvinge: Client) -> None:
    lines = placeholder_values(solvinge, "sv")["client.retention"].splitlines()

    assert lines[0] == "- bokningar och resehandlingar: 24 månader efter hemresan"
    assert len(lines) == len(solvinge.retention)
    assert placeholder_values(solvinge, "en")["client.retention"].startswith(
        "- bookings and travel documents: 24 months after the return journey"
    )


def test_a_client_without_retention_rules_gets_a_sentence_not_an_empty_list(
    solvinge: Client,
) -> None:
    silent = replace(solvinge, retention=())

    assert (
        "Solvinge Resor AB har inte lämnat" in placeholder_values(silent, "sv")["client.retention"]
    )


def test_each_example_script_names_the_controller_and_how_to_reach_it(
    example: Directory,
) -> None:
    for client in example:
        for lang in LANGS:
            script = placeholder_values(client, lang)["client.script"]
            assert "{{" not in script
            assert client.name in script
            assert client.rights_requests.email and client.rights_requests.email in script


def test_the_script_is_filled_with_the_clients_promise(solvinge: Client) -> None:
    assert "inom 1 arbetsdag" in placeholder_values(solvinge, "sv")["client.script"]
    assert "within 1 business day" in placeholder_values(solvinge, "en")["client.script"]


def test_without_a_client_the_text_names_the_controller_generically() -> None:
    text = "Hänvisa till {{client.controller}} via {{client.rights_contact}}."

    assert render(text, None, "sv") == (
        "Hänvisa till kundföretaget (personuppgiftsansvarig) via kundföretagets kontaktväg "
        "för dataskyddsfrågor (se kundens integritetspolicy)."
    )
    assert "{{" not in render(" ".join(f"{{{{{p}}}}}" for p in PLACEHOLDERS), None, "en")


def test_render_fills_placeholders_written_with_spaces(hemladan: Client) -> None:
    text = "Vidarebefordra inom {{ client.forward_within }} till {{client.rights_email}}."

    assert render(text, hemladan, "sv") == (
        "Vidarebefordra inom 2 arbetsdagar till integritet@hemladan.example."
    )


def test_render_leaves_other_placeholders_for_whoever_fills_them(solvinge: Client) -> None:
    text = "{{client.name}}: fråga {{dpo_contact}} om {{client.unknown}}"

    assert render(text, solvinge, "sv") == (
        "Solvinge Resor AB: fråga {{dpo_contact}} om {{client.unknown}}"
    )


def test_fill_takes_any_mapping() -> None:
    assert fill("{{client.name}} och {{client.x}}", {"client.name": "Acme"}) == (
        "Acme och {{client.x}}"
    )


def test_unknown_placeholders_are_found_for_checks() -> None:
    text = "{{client.controller}} {{ client.rights_mail }} {{dpo_contact}}"

    assert unknown_placeholders(text) == ["client.rights_mail"]
