"""Choice buttons (bot/chat/choices.py): what a button carries and how a click is read."""

from __future__ import annotations

import pytest

from bot.chat.choices import (
    MAX_CHOICES,
    Choice,
    Picked,
    choice_buttons,
    choice_reply,
    picked,
)
from bot.chat.messages import Action


def test_each_option_gets_its_own_action_id_and_label() -> None:
    buttons = choice_buttons("client", [Choice("Acme AB", "acme"), Choice("Beta AB", "beta")])

    assert [b.action_id for b in buttons] == ["choice.client.1", "choice.client.2"]
    assert [b.label for b in buttons] == ["Acme AB", "Beta AB"]


def test_a_click_gives_back_the_value_context_and_language() -> None:
    [button] = choice_buttons(
        "article", [Choice("Radering", "right-to-erasure")], context="17", lang="en"
    )

    chosen = picked(Action(button.action_id, button.value))

    assert chosen == Picked("article", "right-to-erasure", "17", "en")


def test_a_reply_holds_the_question_and_the_buttons() -> None:
    reply = choice_reply(
        "Vilken kund gäller det?", "client", [Choice("Acme", "acme")], private=True
    )

    assert reply.text == "Vilken kund gäller det?" and reply.private
    assert reply.buttons[0].action_id == "choice.client.1"


def test_more_options_than_a_choice_holds_are_cut() -> None:
    options = [Choice(f"Option {n}", str(n)) for n in range(MAX_CHOICES + 3)]

    assert len(choice_buttons("client", options)) == MAX_CHOICES


@pytest.mark.parametrize("kind", ["", "two.words"])
def test_a_kind_is_one_word(kind: str) -> None:
    with pytest.raises(ValueError):
        choice_buttons(kind, [Choice("a", "a")])


def test_a_value_too_long_for_a_button_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        choice_buttons("client", [Choice("a", "x" * 2000)])


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("answer.up", "1"),
        ("choice.client", '{"v": "acme"}'),
        ("choice.client.x", '{"v": "acme"}'),
        ("choice.client.1", "acme"),
        ("choice.client.1", "[1, 2]"),
        ("choice.client.1", '{"v": 3}'),
        ("choice.client.1", '{"v": "acme", "c": 5}'),
    ],
)
def test_anything_else_is_not_a_choice(action_id: str, value: str) -> None:
    assert picked(Action(action_id, value)) is None
