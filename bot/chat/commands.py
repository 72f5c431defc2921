"""Every chat command, once: its words in Swedish and English, who owns it, its help line.

The conversation routes a message's first word through this table and renders `help`
from it, so a command reachable in the console, Slack or Teams is always listed. A
command is owned by `core` (the conversation itself), `console` (the console front end:
only there) or a chat feature, named by the feature's `name`. To add a command: add a
`Command` here with its help line in both languages below, and handle it in the owning
feature's `on_command`.

A word's language says which language to answer in; `None` means the word is used in
both languages, so the rest of the message decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from bot.chat.i18n import add_strings

CORE: Final = "core"
CONSOLE: Final = "console"


@dataclass(frozen=True)
class Command:
    name: str
    owner: str  # CORE, CONSOLE or a ChatFeature's `name`
    words: Mapping[str, str | None]  # word -> the language it implies (None: either)
    help_key: str  # its line in `help` (bot.chat.i18n)
    # What it answers when its owner is not installed; None: "not available", not listed.
    unavailable_key: str | None = None
    platforms: frozenset[str] = field(default_factory=frozenset)  # empty: every platform
    # A command only when the word is the whole message ("vem" is whoami; "vem är
    # dataskyddsombud?" is a question).
    alone: bool = False


COMMANDS: Final[tuple[Command, ...]] = (
    Command("ask", CORE, {"ask": "en", "fråga": "sv", "fraga": "sv"}, "help.ask"),
    Command("help", CORE, {"help": "en", "hjälp": "sv", "hjalp": "sv", "?": "en"}, "help.help"),
    Command(
        "routines",
        "routines",
        {"routines": "en", "rutiner": "sv"},
        "help.routines",
        unavailable_key="no_routines",
    ),
    Command(
        "ack",
        "routines",
        {"ack": "en", "kvittera": "sv", "confirm": None, "bekräfta": None},
        "help.ack",
    ),
    Command("na", "routines", {"na": None, "ejtillämplig": None, "ej-tillämplig": None}, "help.na"),
    Command("note", "routines", {"note": None, "anteckning": None}, "help.note"),
    Command("report", "reports", {"report": "en", "rapport": "sv"}, "help.report"),
    Command(
        "overdue",
        "reports",
        {"overdue": "en", "försenade": "sv", "forsenade": "sv"},
        "help.overdue",
    ),
    Command("insights", "insights", {"insights": "en", "insikter": "sv"}, "help.insights"),
    Command("web", "web", {"web": "en", "webb": "sv"}, "help.web"),
    Command(
        "training",
        "training",
        {"training": "en", "utbildning": "sv", "utbildningar": "sv", "trainings": "en"},
        "help.training",
    ),
    Command(
        "practice",
        "training",
        {"practice": "en", "quiz": None, "öva": "sv", "ova": "sv"},
        "help.practice",
    ),
    Command("request", "desk", {"begäran": "sv", "begaran": "sv", "request": "en"}, "help.request"),
    Command(
        "open_requests",
        "desk",
        {"begäranden": "sv", "begaranden": "sv", "requests": "en"},
        "help.open_requests",
    ),
    Command(
        "client",
        "desk",
        {"klient": "sv", "client": "en"},
        "help.client",
        platforms=frozenset({"console"}),
    ),
    Command(
        "forwarded",
        "desk",
        {"vidarebefordrad": "sv", "vidarebefordra": "sv", "forwarded": "en"},
        "help.forwarded",
    ),
    Command(
        "whoami", "whoami", {"whoami": "en", "vem": "sv", "jag": "sv"}, "help.whoami", alone=True
    ),
    Command(
        "quit",
        CONSOLE,
        {"quit": "en", "exit": "en", "avsluta": "sv", "sluta": "sv", "hejdå": "sv"},
        "help.quit",
        platforms=frozenset({"console"}),
    ),
)

add_strings(
    {
        "sv": {
            "help.ask": "- Ställ en fråga direkt, eller `fråga <din fråga>`",
            "help.help": "- `hjälp`: visar den här listan",
            "help.routines": "- `rutiner`: dina öppna rutiner, med knappar för att kvittera",
            "help.ack": "- `kvittera <kod> [anteckning]`: kvittera en rutin",
            "help.na": "- `ejtillämplig <kod> <anledning>`: rutinen gäller inte den här gången",
            "help.note": "- `anteckning <kod> <text eller länk>`: lägg till underlag",
            "help.report": (
                "- `rapport [utbildning]`: efterlevnadsrapport, eller utbildningsrapporten "
                "(för dataskyddsombud och compliance; utbildning även för teamledare)"
            ),
            "help.overdue": "- `försenade`: rutiner som är försenade",
            "help.insights": "- `insikter [dagar|datum]`: obesvarade frågor, 👎 och "
            "svarsfrekvens (dataskyddsansvariga och artikelägare)",
            "help.training": (
                "- `utbildning [nummer]`: dina GDPR-utbildningar, eller quizet i en av dem"
            ),
            "help.practice": "- `öva` / `quiz`: öva med fem frågor (sparas inte)",
            "help.quit": "- `avsluta`: avslutar konsolen",
            "help.request": "- `begäran [kund] [typ] [#ärendenr]`: registrera en "
            "registrerad persons begäran och få kundens manus och kontaktväg",
            "help.open_requests": "- `begäranden [kund]`: öppna begäranden, försenade "
            "markerade (kundens teamledare och compliance)",
            "help.client": "- `klient <id>`: frågor och begäranden här gäller den kunden "
            "(`klient av` slutar)",
            "help.forwarded": "- `vidarebefordrad <kod> [e-post|webbformulär|telefon]`: "
            "begäran är skickad till kunden",
            "help.whoami": "- `vem`: vem boten tar dig för, och dina roller",
            "help.web": "- `webb`: en inloggningslänk till webbsidorna med efterlevnad och "
            "underlag (dataskyddsombud, compliance och teamledare)",
        },
        "en": {
            "help.ask": "- Ask a question directly, or `ask <your question>`",
            "help.help": "- `help`: shows this list",
            "help.routines": "- `routines`: your open routines, with buttons to confirm them",
            "help.ack": "- `ack <code> [note]`: confirm a routine",
            "help.na": "- `na <code> <reason>`: the routine does not apply this time",
            "help.note": "- `note <code> <text or link>`: add evidence",
            "help.report": (
                "- `report [training]`: adherence report, or the training report "
                "(for the DPO and compliance; training also for team leads)"
            ),
            "help.overdue": "- `overdue`: routines that are overdue",
            "help.insights": "- `insights [days|date]`: unanswered questions, 👎 and answer rates "
            "(compliance officers and article owners)",
            "help.training": "- `training [number]`: your GDPR trainings, or the quiz of one",
            "help.practice": "- `practice` / `quiz`: practise with five questions (not recorded)",
            "help.quit": "- `quit`: leaves the console",
            "help.request": "- `request [client] [type] [#ticket]`: register a data "
            "subject's request and get the client's script and where it goes",
            "help.open_requests": "- `requests [client]`: open requests, late ones marked "
            "(the client's team lead and compliance)",
            "help.client": "- `client <id>`: questions and requests here are about that client "
            "(`client off` stops)",
            "help.forwarded": "- `forwarded <code> [email|portal|phone]`: the request is "
            "sent to the client",
            "help.whoami": "- `whoami`: who the bot takes you for, and your roles",
            "help.web": "- `web`: a sign-in link to the web pages with adherence and evidence "
            "(DPO, compliance and team leads)",
        },
    }
)


class CommandTable:
    """Look-ups over a sequence of commands (the shipped `COMMANDS`, plus any extension)."""

    def __init__(self, commands: Iterable[Command] = COMMANDS) -> None:
        self.commands: tuple[Command, ...] = ()
        self._words: dict[str, tuple[Command, str | None]] = {}
        self.extend(commands)

    def extend(self, commands: Iterable[Command]) -> None:
        """Add commands; a word may belong to one command only."""
        for command in commands:
            for word, lang in command.words.items():
                taken = self._words.get(word.lower())
                if taken is not None and taken[0].name != command.name:
                    raise ValueError(f"{word!r} is already a word of {taken[0].name!r}")
                self._words[word.lower()] = (command, lang)
            self.commands = (*self.commands, command)

    def find(self, word: str, platform: str | None = None) -> tuple[Command, str | None] | None:
        """The command a first word names (and the language it implies), on `platform`."""
        found = self._words.get(word.lower())
        if found is None:
            return None
        command = found[0]
        if platform is not None and command.platforms and platform not in command.platforms:
            return None
        return found

    def owned_by(self, owner: str) -> tuple[Command, ...]:
        return tuple(c for c in self.commands if c.owner == owner)


def split_command(text: str) -> tuple[str, str]:
    """First word (lower-cased, without a leading `/` or `!`) and the rest of the text."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    first, _, rest = stripped.partition(" ")
    word = first.lower().lstrip("/!").rstrip(":,.")
    return word, rest.strip()


def find_command(word: str, platform: str | None = None) -> Command | None:
    """The shipped command a word names (for tools and tests)."""
    found = SHIPPED.find(word, platform)
    return found[0] if found else None


SHIPPED: Final = CommandTable()
