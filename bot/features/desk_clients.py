"""The client directory as the chat asks it: which client a message is about, its values.

`DirectoryClients` implements `bot.chat.ports.ClientContext` over a `clients.Directory`:
a client named in the text (name or alias) wins, else the channel's client; otherwise the
likely clients are offered as buttons. Pure look-ups, no I/O.
"""

from __future__ import annotations

from bot.chat.choices import MAX_CHOICES
from bot.chat.ports import ClientLookup
from clients import Client, Directory, Resolution, placeholder_values
from clients.model import Lang


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "sv"


class DirectoryClients:
    """A `ClientContext`: look-ups and placeholder values from the directory."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def resolve(self, text: str, conversation_id: str | None) -> Resolution:
        return self.directory.resolve(text, channel_id=conversation_id)

    def lookup(self, text: str, conversation_id: str | None) -> ClientLookup:
        if len(self.directory) == 0:
            return ClientLookup(None)
        found = self.resolve(text, conversation_id)
        question = found.without_names(text) if found.mentions else None
        if found.client is not None:
            return ClientLookup(found.client.id, question=question)
        return ClientLookup(None, choices_of(found.candidates), question=question)

    def get(self, client_id: str) -> Client | None:
        return self.directory.get(client_id)

    def values(self, client_id: str, lang: str) -> dict[str, str] | None:
        client = self.directory.get(client_id)
        return placeholder_values(client, _lang(lang)) if client is not None else None


def choices_of(clients: tuple[Client, ...]) -> tuple[tuple[str, str], ...]:
    """(label, client id) for the first clients that fit on buttons."""
    return tuple((client.name, client.id) for client in clients[:MAX_CHOICES])
