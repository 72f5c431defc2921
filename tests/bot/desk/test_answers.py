"""Answers that know the client: from the channel, from a name in the question, or asked."""

from __future__ import annotations

from bot.app import Services
from tests.bot.desk.conftest import SOLVINGE_SLACK, SOLVINGE_TEAMS, clicked, said


async def test_a_question_in_a_clients_channel_names_its_controller_and_address(
    bot: Services,
) -> None:
    (reply,) = await bot.conversation.handle(
        said("kunden vill bli raderad", platform="slack", user="U0A",
             conversation=SOLVINGE_SLACK)
    )  # fmt: skip

    assert "Solvinge Resor AB (org.nr 556000-0001)" in reply.text
    assert "dataskydd@solvinge.example" in reply.text


async def test_a_teams_thread_of_the_clients_channel_counts_as_its_channel(
    bot: Services,
) -> None:
    (reply,) = await bot.conversation.handle(
        said("the customer wants to be erased", platform="teams", user="aad-1",
             conversation=f"{SOLVINGE_TEAMS};messageid=1700000000000")
    )  # fmt: skip

    assert "Solvinge Resor AB (org.nr 556000-0001) decides on erasure" in reply.text


async def test_a_client_named_in_the_question_wins_over_the_channel(bot: Services) -> None:
    (reply,) = await bot.conversation.handle(
        said("Hemlådan-kunden vill bli raderad", platform="slack", user="U0A",
             conversation=SOLVINGE_SLACK)
    )  # fmt: skip

    assert "Hemlådan Nordic AB (org.nr 556000-0002)" in reply.text
    assert "integritet@hemladan.example" in reply.text
    assert "solvinge" not in reply.text.lower()


async def test_with_no_client_known_it_answers_generically_and_asks_which_client(
    bot: Services,
) -> None:
    answer, ask = await bot.conversation.handle(said("kunden vill bli raderad"))

    assert "uppdragsgivaren" in answer.text or "kundföretag" in answer.text
    assert ask.text.startswith("Vilken kund gäller det?")
    assert [b.label for b in ask.buttons] == ["Solvinge Resor AB", "Hemlådan Nordic AB"]


async def test_choosing_the_client_answers_again_with_that_clients_facts(bot: Services) -> None:
    _answer, ask = await bot.conversation.handle(said("kunden vill bli raderad"))

    (reply,) = await bot.conversation.handle(clicked(ask, "Hemlådan"))

    assert "Hemlådan Nordic AB (org.nr 556000-0002) som beslutar" in reply.text
    assert "+46 8 000 12 34" in reply.text  # the script names its phone
