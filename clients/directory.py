"""The loaded client directory and the lookups a chat feature needs.

Which client a question is about comes, in this order, from: an explicit choice (`ask
--client ID`, the console's `klient ID`), a client named in the question ("Acme-kunden vill
bli raderad"), the channel the question was asked in. A name in the question beats the
channel because an agent who names a client means that one, even in another client's
channel. `resolve` returns the client, or the candidates to ask "Vilken kund gäller det?".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from clients.model import Client
from clients.names import Mention, NameIndex
from clients.shapes import channel_key

_GLUED = re.compile(r"^(?::s|:|-)")  # what a name leaves behind: "-kunden", ":s kund"
Source = Literal["explicit", "question", "channel", "none"]


class UnknownClient(LookupError):
    """An id that is not in the directory; the message names the known ones."""

    def __init__(self, client_id: str, known: tuple[str, ...]) -> None:
        self.client_id = client_id
        self.known = known
        close = difflib.get_close_matches(client_id, known, n=1)
        if not known:
            hint = "no client directory is configured (GDPRBOT_CLIENTS)"
        elif close:
            hint = f"did you mean {close[0]!r}? known: {', '.join(known)}"
        else:
            hint = f"known: {', '.join(known)}"
        super().__init__(f"unknown client {client_id!r} ({hint})")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Resolution:
    """The client a question is about, or the candidates when that is not clear.

    `client` is set when exactly one client is known; otherwise `candidates` are the
    clients to offer as buttons: the ones the question names (when it names several), or
    every client in the directory.
    """

    client: Client | None
    source: Source
    candidates: tuple[Client, ...] = ()
    mentions: tuple[Mention, ...] = ()  # where the question names clients (to strip them)

    @property
    def ambiguous(self) -> bool:
        return self.client is None and len(self.candidates) > 1

    def without_names(self, text: str) -> str:
        """`text` without the client names it holds ("Hemlådan-kunden" → "kunden"): once
        the client is known, its name is no word a knowledge base can match."""
        parts: list[str] = []
        position = 0
        for mention in sorted(self.mentions, key=lambda m: m.start):
            parts.append(text[position : mention.start])
            position = mention.end
            glued = _GLUED.match(text[position:])
            if glued:
                position += glued.end()
        parts.append(text[position:])
        return " ".join("".join(parts).split())


@dataclass(frozen=True)
class Directory:
    """Every client, by id, by channel and by name. An empty directory knows no client."""

    clients: tuple[Client, ...] = ()
    _by_id: Mapping[str, Client] = field(init=False, repr=False, compare=False)
    _by_channel: Mapping[str, Client] = field(init=False, repr=False, compare=False)
    _names: NameIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Client] = {}
        by_channel: dict[str, Client] = {}
        for client in self.clients:
            if client.id in by_id:
                raise ValueError(f"client id {client.id!r} appears twice")
            by_id[client.id] = client
            for channel in client.channels:
                if channel in by_channel:
                    raise ValueError(f"channel {channel!r} belongs to two clients")
                by_channel[channel] = client
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_channel", by_channel)
        object.__setattr__(self, "_names", NameIndex(self.clients))

    def __len__(self) -> int:
        return len(self.clients)

    def __iter__(self) -> Iterator[Client]:
        return iter(self.clients)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(client.id for client in self.clients)

    def get(self, client_id: str) -> Client | None:
        return self._by_id.get(client_id.strip().lower())

    def require(self, client_id: str) -> Client:
        """The client with this id; `UnknownClient` (naming the known ids) when there is none."""
        found = self.get(client_id)
        if found is None:
            raise UnknownClient(client_id, self.ids)
        return found

    def client_for_channel(self, channel_id: str) -> Client | None:
        """The client a channel serves; a Teams thread (`…;messageid=…`) counts as its channel."""
        return self._by_channel.get(channel_key(channel_id.strip()))

    def mentions(self, text: str) -> tuple[Mention, ...]:
        """Where `text` names a client, by name or alias, in order."""
        return self._names.mentions(text)

    def clients_named_in(self, text: str) -> tuple[Client, ...]:
        """The clients `text` names, each once, in order of first mention (two → ambiguous)."""
        found: dict[str, Client] = {}
        for mention in self.mentions(text):
            found.setdefault(mention.client.id, mention.client)
        return tuple(found.values())

    def resolve(
        self, text: str, *, channel_id: str | None = None, client_id: str | None = None
    ) -> Resolution:
        """Which client a question is about: explicit id, else names in it, else its channel.

        Raises `UnknownClient` for an explicit id that is not in the directory.
        """
        if client_id:
            return Resolution(self.require(client_id), "explicit")
        mentions = self.mentions(text)
        named = self.clients_named_in(text)
        if len(named) == 1:
            return Resolution(named[0], "question", named, mentions)
        by_channel = self.client_for_channel(channel_id) if channel_id else None
        if len(named) > 1:
            # the channel's own client, when named, is the likelier one: offer it first
            first = tuple(c for c in named if c == by_channel)
            return Resolution(
                None, "question", first + tuple(c for c in named if c not in first), mentions
            )
        if by_channel is not None:
            return Resolution(by_channel, "channel", (by_channel,))
        return Resolution(None, "none", self.clients)
