"""The conversation, written once: `Incoming` in, `list[Reply]` out, for every platform.

Front ends (Slack, Teams, console) translate their payloads to `Incoming`, hand them to
the pipeline (bot/chat/pipeline.py) that ends here, and render the replies. Nothing here
knows a platform, posts a message or reaches a global.

A message's first word is looked up in the command table (bot/chat/commands.py); a
command goes to its owner, a `ChatFeature` (routines, reports, insights...) plugged in by
name, and anything else is a question for the knowledge base. Features also claim button
action-id prefixes. Without its feature a command still answers politely ("no routines
yet", "not available here").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Protocol

from bot.chat import metrics
from bot.chat.answers import (
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    ARTICLE_CHOICE,
    render_answer,
    source_line,
)
from bot.chat.choices import Choice, ChoiceHandler, Picked, choice_reply, is_choice, picked
from bot.chat.commands import COMMANDS, CONSOLE, CORE, Command, CommandTable, split_command
from bot.chat.i18n import normalise_lang, t
from bot.chat.languages import LanguageDetector, ReplyLanguage
from bot.chat.limits import MAX_QUESTION_CHARS
from bot.chat.messages import Incoming, Reply
from bot.chat.ports import ClientContext, ClientLookup, QuestionLog, Vote
from bot.chat.pseudonyms import log_pseudonym
from knowledge.model import Answer, Lang

log = logging.getLogger(__name__)

# "Vilken kund gäller det?": a client button's value is the client id, its context the
# article to answer with that client's values (bot/chat/choices.py).
CLIENT_CHOICE = "client"

__all__ = [
    "ACTION_FEEDBACK_DOWN",
    "ACTION_FEEDBACK_UP",
    "Conversation",
    "render_answer",
    "source_line",
    "split_command",
]


class ChatFeature(Protocol):
    """An optional part of the conversation (routines, reports, insights, requests...).

    `name` is the owner name its commands carry in the command table; `on_command` gets
    the command's name, the rest of the message after the word, and the language to reply
    in. `action_prefixes` claims button action ids (e.g. `("routine.",)`).
    """

    name: str
    action_prefixes: tuple[str, ...]

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]: ...

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]: ...


class Answerer(Protocol):
    """The knowledge base, as the conversation asks it (`knowledge.Answerer`)."""

    def answer(
        self, question: str, lang: Lang | None = None, *, values: Mapping[str, str] | None = None
    ) -> Answer: ...

    def answer_with(
        self, article_id: str, lang: Lang, *, values: Mapping[str, str] | None = None
    ) -> Answer | None: ...


class NoQuestionLog:
    """Logging switched off: nothing is stored, so answers carry no feedback buttons."""

    async def record_question(
        self,
        *,
        text: str,
        lang: str,
        answered: bool,
        article_id: str | None,
        score: float,
        now: datetime,
    ) -> int | None:
        return None

    async def record_feedback(
        self, question_id: int, vote: Vote, now: datetime, *, voter: str
    ) -> bool:
        return False

    async def record_clarification_resolved(
        self, question_id: int, article_id: str, now: datetime
    ) -> bool:
        return False


class Conversation:
    def __init__(
        self,
        answerer: Answerer,
        *,
        features: Iterable[ChatFeature] = (),
        commands: Iterable[Command] = COMMANDS,
        question_log: QuestionLog | None = None,
        dpo_contact: str = "",
        default_language: str = "sv",
        detect_language: LanguageDetector | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self._answerer = answerer
        self._commands = CommandTable(commands)
        self._features: dict[str, ChatFeature] = {}
        self._question_log: QuestionLog = question_log or NoQuestionLog()
        self._dpo_contact = dpo_contact
        self._default_language = normalise_lang(default_language)
        self._clock = clock
        self._languages = ReplyLanguage(
            self._commands, detect_language, self._default_language, clock
        )
        self._choices: dict[str, ChoiceHandler] = {ARTICLE_CHOICE: self._on_article_choice}
        self._clients: ClientContext | None = None
        for feature in features:
            self.add_feature(feature)

    @property
    def features(self) -> tuple[ChatFeature, ...]:
        return tuple(self._features.values())

    @property
    def commands(self) -> tuple[Command, ...]:
        return self._commands.commands

    def add_feature(self, feature: ChatFeature, *, commands: Iterable[Command] = ()) -> None:
        """Plug a feature in (the composition root may build it later). `commands` adds
        commands that are not in the shipped table (an extension's own words)."""
        self._commands.extend(commands)
        if not self._commands.owned_by(feature.name) and not feature.action_prefixes:
            raise ValueError(f"feature {feature.name!r} owns no command and no button")
        self._features[feature.name] = feature

    def add_choice_handler(self, kind: str, handler: ChoiceHandler) -> None:
        """Answer the clicks on choice buttons of `kind` (bot/chat/choices.py): e.g. the
        rights-request desk's "which client?" (`client`). One handler per kind."""
        if kind in self._choices:
            raise ValueError(f"choice kind {kind!r} already has a handler")
        self._choices[kind] = handler

    def set_client_context(self, clients: ClientContext) -> None:
        """Answers that know the client (a customer-service company's directory): the
        client named in a question or served by its channel fills the articles'
        `{{client.X}}` placeholders; a rights-request article asked with no client known
        also offers "Vilken kund gäller det?" buttons (kind `client`)."""
        self._clients = clients
        self.add_choice_handler(CLIENT_CHOICE, self._on_client_choice)

    # --- entry points ---------------------------------------------------------------

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one message or button click. Never raises: errors become an apology."""
        try:
            if incoming.action is not None:
                return await self._on_action(incoming)
            return await self._on_text(incoming)
        except Exception:
            log.exception(
                "conversation failed",
                extra={"platform": incoming.platform, "event": log_pseudonym(incoming.event_id)},
            )
            lang = self.language_of(incoming.text, incoming)
            return [Reply(text=t("error", lang), private=True)]

    def greeting(self, lang: str | None = None) -> list[Reply]:
        """What a new user sees first: who the bot is and what it can do (both languages)."""
        if lang:
            return [Reply(text=t("greeting", lang)), self.help_reply(lang)]
        return [Reply(text=f"{t('greeting', 'sv')}\n{t('greeting', 'en')}"), self.help_reply("sv")]

    def help_reply(self, lang: str, *, console: bool = False) -> Reply:
        """Every command that answers here, from the command table, one line each."""
        lines = [t("help.title", lang)]
        platform = "console" if console else None
        for command in self._commands.commands:
            if command.platforms and platform not in command.platforms:
                continue
            if command.owner in (CORE, CONSOLE) or self._answers(command):
                lines.append(t(command.help_key, lang))
        lines.extend(["", t("help.footer", lang)])
        return Reply(text="\n".join(lines))

    def _answers(self, command: Command) -> bool:
        """Its feature is plugged in, or it has an answer of its own without one."""
        return command.owner in self._features or command.unavailable_key is not None

    async def home(self, incoming: Incoming, lang: str | None = None) -> list[Reply]:
        """An overview for a home tab: what the bot does, then the user's pending routines."""
        lang = normalise_lang(lang, self._default_language)
        replies = [Reply(text=t("greeting", lang)), self.help_reply(lang)]
        replies.append(Reply(text=t("home.pending", lang)))
        routines = self._features.get("routines")
        if routines is not None:
            replies.extend(await routines.on_command("routines", "", incoming, lang))
        else:
            replies.append(Reply(text=t("no_routines", lang)))
        replies.append(Reply(text=t("home.help_link", lang)))
        return replies

    def language_of(self, text: str, incoming: Incoming | None = None) -> str:
        """The language to reply in (bot/chat/languages.py)."""
        return self._languages.of(text, incoming)

    # --- text -------------------------------------------------------------------------

    async def _on_text(self, incoming: Incoming) -> list[Reply]:
        word, args = split_command(incoming.text)
        if not word:
            lang = self.language_of(incoming.text, incoming)
            return [self.help_reply(lang, console=_is_console(incoming))]
        found = self._commands.find(word, incoming.platform)
        if found is None or (found[0].alone and args):
            return await self._answer(incoming.text.strip(), incoming)
        command, word_lang = found
        lang = word_lang or self.language_of(args, incoming)
        if command.name == "help":
            return [self.help_reply(lang, console=_is_console(incoming))]
        if command.name == "ask":
            if not args:
                return [Reply(text=t("ask_what", lang))]
            return await self._answer(args, incoming)
        feature = self._features.get(command.owner)
        if feature is not None:
            return await feature.on_command(command.name, args, incoming, lang)
        return [Reply(text=t(command.unavailable_key or "not_available", lang))]

    async def _answer(self, question: str, incoming: Incoming) -> list[Reply]:
        truncated = len(question) > MAX_QUESTION_CHARS
        # JSON from a platform may carry lone surrogates: nothing stores or encodes those
        question = question[:MAX_QUESTION_CHARS].encode("utf-8", "replace").decode("utf-8")
        # A question costs ~30 ms of CPU with the embedding model, or waits up to an
        # endpoint's timeout: off the event loop, so other chats are not held up.
        client = self._client_of(question, incoming)
        # None: the answerer decides (an answerer of its own, no detector here)
        clear = self._languages.clear(question, incoming)
        asked_lang: Lang | None = None if clear is None else "en" if clear == "en" else "sv"
        if client is not None and client.client_id is not None and self._clients is not None:
            lang: Lang = asked_lang or ("en" if self._default_language == "en" else "sv")
            values = self._clients.values(client.client_id, lang)
            answer = await asyncio.to_thread(
                partial(self._answerer.answer, client.question or question, lang, values=values)
            )
        else:
            asked = client.question if client is not None and client.question else question
            answer = await asyncio.to_thread(self._answerer.answer, asked, asked_lang)
        question_id = None
        if answer.reason not in SMALL_TALK:  # "hej" and "tack" are not questions to log
            try:
                question_id = await self._question_log.record_question(
                    text=question,
                    lang=answer.lang,
                    answered=answer.answered,
                    article_id=answer.article.id if answer.article else None,
                    score=answer.score,
                    now=self._clock(),
                )
            except Exception as exc:  # the database is down: answer anyway, log nothing
                log.warning("question not logged", extra={"error": type(exc).__name__})
                metrics.ERRORS.labels("question_log_skipped").inc()
            (metrics.ANSWERS if answer.answered else metrics.FALLBACKS).labels(answer.lang).inc()
        reply = render_answer(answer, question_id=question_id, dpo_contact=self._dpo_contact)
        if truncated:
            note = t("too_long", answer.lang, limit=MAX_QUESTION_CHARS)
            reply = Reply(text=f"_{note}_\n\n{reply.text}", card=reply.card, buttons=reply.buttons)
        if (
            answer.outcome == "answer"
            and answer.needs_client
            and answer.article is not None
            and client is not None
            and client.client_id is None
            and client.choices
        ):
            choices = [Choice(label, value) for label, value in client.choices]
            ask = choice_reply(
                t("which_client", answer.lang), CLIENT_CHOICE, choices,
                context=answer.article.id, lang=answer.lang,
            )  # fmt: skip
            return [reply, ask]
        return [reply]

    def _client_of(self, question: str, incoming: Incoming) -> ClientLookup | None:
        if self._clients is None:
            return None
        return self._clients.lookup(question, incoming.conversation.conversation_id)

    # --- buttons ----------------------------------------------------------------------

    async def _on_action(self, incoming: Incoming) -> list[Reply]:
        assert incoming.action is not None
        action_id = incoming.action.action_id
        lang = self._default_language
        if action_id in (ACTION_FEEDBACK_UP, ACTION_FEEDBACK_DOWN):
            return await self._on_feedback(incoming)
        if is_choice(incoming.action):
            return await self._on_choice(incoming)
        for feature in self._features.values():
            if any(action_id.startswith(prefix) for prefix in feature.action_prefixes):
                return await feature.on_action(incoming, lang)
        log.info("unknown action", extra={"action_id": action_id[:64]})
        return [Reply(text=t("unknown_action", lang), private=True)]

    async def _on_feedback(self, incoming: Incoming) -> list[Reply]:
        assert incoming.action is not None
        vote: Vote = "up" if incoming.action.action_id == ACTION_FEEDBACK_UP else "down"
        try:
            question_id = int(incoming.action.value)
        except ValueError:
            log.info("feedback without a question id")
            return []
        voter = f"{incoming.platform}:{incoming.user_id}"  # HMAC'd into a dedupe key only
        recorded = await self._question_log.record_feedback(
            question_id, vote, self._clock(), voter=voter
        )
        if not recorded:
            return []  # a second vote by the same person or a stale button: thanked once
        return [Reply(text=t("feedback.thanks", self._default_language), private=True)]

    async def _on_choice(self, incoming: Incoming) -> list[Reply]:
        assert incoming.action is not None
        choice = picked(incoming.action)
        handler = self._choices.get(choice.kind) if choice is not None else None
        if choice is None or handler is None:
            log.info("unknown choice", extra={"action_id": incoming.action.action_id[:64]})
            lang = choice.lang if choice is not None else self._default_language
            return [Reply(text=t("unknown_action", normalise_lang(lang)), private=True)]
        return await handler(choice, incoming)

    async def _on_article_choice(self, choice: Picked, incoming: Incoming) -> list[Reply]:
        """A "did you mean" button: answer with that article, and record which article
        resolved the clarification (once, however often it is clicked)."""
        lang: Lang = "en" if choice.lang == "en" else "sv"
        answer = await asyncio.to_thread(self._answerer.answer_with, choice.value, lang)
        if answer is None:  # the article was removed since the buttons were sent
            return [Reply(text=t("answers.article_gone", lang), private=True)]
        question_id = int(choice.context) if choice.context.isdigit() else None
        if question_id is not None:
            await self._question_log.record_clarification_resolved(
                question_id, answer.article.id if answer.article else choice.value, self._clock()
            )
        return [render_answer(answer, question_id=question_id, dpo_contact=self._dpo_contact)]

    async def _on_client_choice(self, choice: Picked, incoming: Incoming) -> list[Reply]:
        """A "which client?" button: the article again, with that client's values."""
        lang: Lang = "en" if choice.lang == "en" else "sv"
        values = self._clients.values(choice.value, lang) if self._clients else None
        if values is None:  # the client left the directory since the buttons were sent
            return [Reply(text=t("unknown_action", lang), private=True)]
        answer = await asyncio.to_thread(
            partial(self._answerer.answer_with, choice.context, lang, values=values)
        )
        if answer is None:
            return [Reply(text=t("answers.article_gone", lang), private=True)]
        return [render_answer(answer, question_id=None, dpo_contact=self._dpo_contact)]


SMALL_TALK = ("greeting", "thanks", "farewell", "empty")


def _is_console(incoming: Incoming) -> bool:
    return incoming.platform == "console"
