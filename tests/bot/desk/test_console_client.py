"""The console's `klient ID` / `client ID`: the client questions and requests are about."""

from __future__ import annotations

from bot.app import Services
from tests.bot.desk.conftest import said


async def test_a_chosen_client_fills_the_answers_until_it_is_switched_off(bot: Services) -> None:
    (chosen,) = await bot.conversation.handle(said("klient hemladan"))
    (answer,) = await bot.conversation.handle(said("kunden vill bli raderad"))
    (off,) = await bot.conversation.handle(said("klient av"))
    generic, _ask = await bot.conversation.handle(said("kunden vill bli raderad"))

    assert chosen.text.startswith("Frågor och begäranden här gäller nu Hemlådan Nordic AB")
    assert "integritet@hemladan.example" in answer.text
    assert off.text.startswith("Ingen kund vald längre")
    assert "hemladan" not in generic.text.lower()


async def test_a_client_named_in_the_question_still_wins(bot: Services) -> None:
    await bot.conversation.handle(said("client hemladan"))

    (answer,) = await bot.conversation.handle(said("Solvinge-kunden vill bli raderad"))

    assert "dataskydd@solvinge.example" in answer.text


async def test_a_request_needs_no_client_once_one_is_chosen(bot: Services) -> None:
    await bot.conversation.handle(said("klient solvinge"))

    (reply,) = await bot.conversation.handle(said("begäran registerutdrag"))

    assert "registerutdrag (art. 15) för Solvinge Resor AB" in reply.text


async def test_an_unknown_client_names_the_known_ones(bot: Services) -> None:
    (reply,) = await bot.conversation.handle(said("klient acme"))

    assert reply.text == "Jag känner ingen kund 'acme'. Kända: solvinge, hemladan."


async def test_klient_is_a_console_word_elsewhere_it_is_a_question(bot: Services) -> None:
    replies = await bot.conversation.handle(
        said("client wants to be erased", platform="slack", user="U0A", conversation="D0A")
    )

    assert not replies[0].text.startswith("I know no client")
