"""The console front end: the embedded default when no chat platform is configured.

`Console` reads lines from stdin (a terminal or a pipe), sends each through the same
pipeline as Slack and Teams, and prints the replies as plain text. Buttons are numbered;
typing the number clicks the button (so 👍/👎 and routine confirmations work here too).
A number means one button for the whole session: a button shown again keeps its number,
and a new one gets the next. A number that names no button (never shown, or forgotten
after MAX_BUTTONS newer ones) is answered with a short note, never taken as a question.
`ConsoleFrontEnd` is the `FrontEnd` the composition root builds: it always brings the
console notifier, and `run` opens an interactive session (`gdpr-bot chat`, or `run`
when no platform is configured).
"""

from __future__ import annotations

import asyncio
import getpass
import io
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from aiohttp import web

from bot.chat.commands import SHIPPED
from bot.chat.conversation import source_line
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Action, Button, ConversationRef, Incoming, Reply
from bot.chat.pipeline import Pipeline
from bot.platforms.console.notifier import ConsoleNotifier
from bot.platforms.front_end import FrontEndContext

CONSOLE_REF = ConversationRef(platform="console", conversation_id="console")
SHORT_LABEL = 24  # longer button labels are listed one per line
MAX_BUTTONS = 500  # buttons a session remembers; older numbers then answer "no such button"

add_strings(
    {
        "sv": {"console.no_button": "Det finns ingen knapp [{number}] just nu (synliga: {shown})."},
        "en": {"console.no_button": "There is no button [{number}] now (shown: {shown})."},
    }
)


def console_user() -> str:
    """The local person at the keyboard, by OS user name (GDPRBOT_CONSOLE_USER, read by
    the composition root, overrides it)."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        return "console-user"


def render_reply(reply: Reply, buttons_from: int = 1, numbers: Sequence[int] | None = None) -> str:
    """A reply as plain text: the answer, its source line, and numbered buttons
    (`numbers`, one per button, else counted from `buttons_from`)."""
    lines: list[str] = []
    if reply.card is not None:
        lines.append(f"== {reply.card.title} ==")
    lines.append(reply.text.strip())
    if reply.card is not None:
        lines.append(f"({source_line(reply.card, reply.card.lang)})")
    if reply.link:
        lines.append(reply.link)
    if reply.attachment is not None:
        lines.append(f"[{reply.attachment.filename}: {len(reply.attachment.content)} bytes]")
    if reply.buttons:
        shown = numbers or range(buttons_from, buttons_from + len(reply.buttons))
        numbered = [f"[{n}] {b.label}" for n, b in zip(shown, reply.buttons, strict=False)]
        # short labels (👍 👎, Confirm) fit on one line; choices such as article titles
        # are read one per line
        wide = any(len(b.label) > SHORT_LABEL for b in reply.buttons)
        lines.append("\n".join(numbered) if wide else "  ".join(numbered))
    return "\n".join(line for line in lines if line)


class Console:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        stdin: TextIO | None = None,
        write: Callable[[str], None] = print,
        user_id: str | None = None,
    ) -> None:
        self._pipeline = pipeline
        # sys.stdin is None when file descriptor 0 was closed (`gdpr-bot chat <&-`, some
        # service managers): that is no input at all, so the console ends as at end of input
        self._stdin = stdin or sys.stdin or io.StringIO()
        self._write = write
        self._user_id = user_id or console_user()
        self._buttons: dict[int, Button] = {}  # number -> button, for the whole session
        self._numbers: dict[tuple[str, str], int] = {}  # (action id, value) -> number
        self._next = 1

    def greet(self) -> None:
        self._write(f"{t('greeting', 'sv')}\n{t('greeting', 'en')}\n")
        self._write(render_reply(self._pipeline.conversation.help_reply("sv", console=True)))
        self._write("(Write `help` for the commands in English.)\n")

    async def run(self) -> None:
        """Greet, then answer line by line until `quit`/`avsluta` or end of input."""
        self.greet()
        lines = _line_reader(self._stdin)
        interactive = self._stdin.isatty()
        while True:
            if interactive:
                self._write_prompt()
            line = await lines.get()
            if line is None:
                if interactive:  # Ctrl-D at the prompt: end its line and say goodbye
                    self._write("\n" + t("bye", "sv"))
                return
            text = line.strip()
            quit_word = SHIPPED.find(text, "console")
            if quit_word is not None and quit_word[0].name == "quit":
                self._write(t("bye", quit_word[1]))
                return
            if text:
                await self.say(text)

    async def say(self, text: str) -> list[Reply]:
        """One line typed by the user: a message, or the number of a button."""
        if text.isdigit() and int(text) not in self._buttons:
            replies = [Reply(text=self._no_button(int(text)), private=True)]
        else:
            replies = await self._pipeline.run(self._incoming(text), "message") or []
        self._show(replies)
        return replies

    def _no_button(self, number: int) -> str:
        numbers = sorted(self._buttons)
        shown = f"{numbers[0]}–{numbers[-1]}" if numbers else "–"
        return "\n".join(
            t("console.no_button", lang, number=number, shown=shown) for lang in ("sv", "en")
        )

    def _incoming(self, text: str) -> Incoming:
        button = self._button_for(text)
        return Incoming(
            platform="console",
            user_id=self._user_id,
            text="" if button else text,
            conversation=CONSOLE_REF,
            is_direct=True,
            action=Action(action_id=button.action_id, value=button.value) if button else None,
        )

    def _button_for(self, text: str) -> Button | None:
        return self._buttons.get(int(text)) if text.isdigit() else None

    def number_of(self, button: Button) -> int | None:
        """The number a shown button has in this session (None if never shown)."""
        return self._numbers.get((button.action_id, button.value))

    def _number(self, button: Button) -> int:
        """The button's number for this session: the one it had, else the next."""
        key = (button.action_id, button.value)
        number = self._numbers.get(key)
        if number is None:
            number, self._next = self._next, self._next + 1
            self._numbers[key] = number
        self._buttons.pop(number, None)  # re-inserted: the dict's order is "last shown"
        self._buttons[number] = button
        while len(self._buttons) > MAX_BUTTONS:
            forgotten = self._buttons.pop(next(iter(self._buttons)))
            self._numbers.pop((forgotten.action_id, forgotten.value), None)
        return number

    def _show(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            numbers = [self._number(button) for button in reply.buttons]
            self._write(render_reply(reply, numbers=numbers) + "\n")

    def _write_prompt(self) -> None:
        sys.stdout.write("> ")
        sys.stdout.flush()


def _line_reader(stream: TextIO) -> asyncio.Queue[str | None]:
    """Lines from `stream` on a daemon thread, so a blocked read never holds up shutdown."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in _decoded_lines(stream):
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except (RuntimeError, ValueError):  # the loop or the stream closed under us
            return

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    return queue


def _decoded_lines(stream: TextIO) -> Iterator[str]:
    """Lines as text whatever bytes arrive: what is not valid in the terminal's encoding
    becomes U+FFFD (a pasted Latin-1 "\xe4" must not end the session or reach storage)."""
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        for raw in iter(binary.readline, b""):
            yield raw.decode(encoding, "replace")
        return
    for line in iter(stream.readline, ""):
        yield line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class ConsoleConfig:
    write: Callable[[str], None] = print  # where replies and notices are printed
    user: str = ""  # GDPRBOT_CONSOLE_USER: who types here ('' = the OS user name)


class ConsoleFrontEnd:
    """The console as a `FrontEnd`: notices are printed; `run` chats on stdin/stdout."""

    platform = "console"

    def __init__(self, config: ConsoleConfig, context: FrontEndContext) -> None:
        self._config = config
        self._pipeline = context.pipeline
        self.notifier = ConsoleNotifier(config.write)

    def add_routes(self, app: web.Application) -> None:
        """The console has no webhook."""

    async def start(self) -> None:
        """Nothing to open: an interactive session starts with `run`."""

    async def close(self) -> None:
        """Nothing to close: `run` returns when its input ends or the user quits."""

    async def run(self, stdin: TextIO | None = None) -> None:
        """Chat in this terminal until `quit`/`avsluta` or the end of input."""
        console = Console(
            self._pipeline, stdin=stdin, write=self._config.write, user_id=self._config.user
        )
        try:
            await console.run()
        finally:
            self.notifier.end()
