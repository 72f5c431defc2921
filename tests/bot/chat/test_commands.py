"""The command table: every chat command once, routed by its words, listed in `help`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.app import Services, build_services
from bot.chat.commands import COMMANDS, CONSOLE, CORE, SHIPPED, Command, CommandTable
from bot.chat.conversation import Conversation
from bot.chat.i18n import STRINGS
from bot.chat.messages import ConversationRef, Incoming, Reply
from bot.config import Settings
from knowledge import KnowledgeBase
from storage.clock import utc_now
from tests.conftest import REPO

PLATFORMS = ("console", "slack", "teams")


class Recorder:
    """Stands in for the feature that owns some commands; records what reached it."""

    action_prefixes: tuple[str, ...] = ()

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: list[tuple[str, str]] = []

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        self.commands.append((command, lang))
        return [Reply(text=f"{self.name}:{command}")]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []


def said(text: str, platform: str) -> Incoming:
    return Incoming(
        platform=platform,  # type: ignore[arg-type]
        user_id="U1",
        text=text,
        conversation=ConversationRef(platform, "D1"),  # type: ignore[arg-type]
        is_direct=True,
    )


@pytest.fixture
def services(bot_settings: Settings, test_knowledge: KnowledgeBase) -> Iterator[Services]:
    built = build_services(bot_settings, knowledge_base=test_knowledge)
    yield built
    built.engine.dispose()


def feature_owners() -> set[str]:
    return {c.owner for c in COMMANDS} - {CORE, CONSOLE}


def test_every_word_belongs_to_one_command_and_every_line_exists_in_both_languages() -> None:
    words = [word for command in COMMANDS for word in command.words]
    assert len(words) == len(set(words))
    for command in COMMANDS:
        assert command.help_key in STRINGS["sv"] and command.help_key in STRINGS["en"]
        assert set(command.words.values()) <= {"sv", "en", None}


def test_a_word_cannot_be_given_to_a_second_command() -> None:
    with pytest.raises(ValueError, match="already a word"):
        CommandTable([*COMMANDS, Command("other", "x", {"hjälp": "sv"}, "help.help")])


def test_the_running_bot_uses_the_table_and_every_owner_is_plugged_in(
    services: Services,
) -> None:
    conversation = services.conversation

    assert conversation.commands == COMMANDS  # nothing reachable outside the table
    assert {feature.name for feature in conversation.features} == feature_owners()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_help_lists_every_command_reachable_on_the_platform(
    services: Services, platform: str
) -> None:
    for lang in ("sv", "en"):
        text = services.conversation.help_reply(lang, console=platform == "console").text
        for command in COMMANDS:
            line = STRINGS[lang][command.help_key]
            reachable = not command.platforms or platform in command.platforms
            assert (line in text) == reachable, (platform, command.name)
            assert text.count(line) <= 1


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_every_word_reaches_the_owner_of_its_command(
    test_knowledge: KnowledgeBase, platform: str
) -> None:
    from knowledge import Answerer

    recorders = {name: Recorder(name) for name in feature_owners()}
    conversation = Conversation(
        Answerer(test_knowledge, "dpo"), features=recorders.values(), clock=utc_now
    )
    for command in COMMANDS:
        if command.owner in (CORE, CONSOLE):
            continue
        if command.platforms and platform not in command.platforms:
            continue  # e.g. the console's `klient`: elsewhere just a word
        for word, lang in command.words.items():
            text = word if command.alone else f"{word} 12"  # `alone`: the whole message
            [reply] = await conversation.handle(said(text, platform))
            assert reply.text == f"{command.owner}:{command.name}"
            if lang is not None:
                assert recorders[command.owner].commands[-1] == (command.name, lang)


def test_the_console_quits_on_its_quit_words_only_in_the_console() -> None:
    assert SHIPPED.find("avsluta", "console") is not None
    assert SHIPPED.find("avsluta", "slack") is None  # on Slack it is just a word


def test_the_teams_manifest_offers_only_commands_of_the_table() -> None:
    manifest = json.loads((REPO / "docs" / "teams" / "manifest.json").read_text("utf-8"))
    titles = {
        entry["title"]
        for bot in manifest["bots"]
        for command_list in bot.get("commandLists", [])
        for entry in command_list["commands"]
    }
    assert titles
    for title in titles:
        assert SHIPPED.find(title.split()[0], "teams") is not None, title
