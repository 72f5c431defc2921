"""The client directory as the chat asks it: which client a message is about, its values.

`DirectoryClients` implements `bot.chat.ports.ClientContext` over a `clients.Directory`:
a client named in the text (name or alias) wins, else the channel's client; otherwise the
likely clients are offered as buttons. Pure look-ups, no I/O.
"""

from __future__ import annotations

from bot.chat.choices import MAX_CHOICES
from bot.chat.i18n import t
from bot.chat.messages import Reply
from bot.chat.ports import ClientLookup
from clients import Client, Directory, Resolution, placeholder_values
from clients.model import Lang


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "sv"


class DirectoryClients:
    """A `ClientContext`: look-ups and placeholder values from the directory."""

    MAX_CHOSEN = 1000  # conversations remembered (memory only: the console, a DM)

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._chosen: dict[str, str] = {}  # conversation id -> client id (`klient ID`)

    def resolve(self, text: str, conversation_id: str | None) -> Resolution:
        """A client named in the text, else the one chosen in this conversation with
        `klient ID`, else the channel's."""
        found = self.directory.resolve(text, channel_id=conversation_id)
        if found.source == "question" and found.client is not None:
            return found
        chosen = self._chosen.get(conversation_id) if conversation_id else None
        client = self.directory.get(chosen) if chosen else None
        if client is not None:
            return Resolution(client, "explicit", (client,), found.mentions)
        return found

    def choose(self, conversation_id: str, client_id: str | None) -> None:
        """Remember (or, with None, forget) the client this conversation is about."""
        self._chosen.pop(conversation_id, None)
        if client_id is not None:
            if len(self._chosen) >= self.MAX_CHOSEN:
                self._chosen.pop(next(iter(self._chosen)))
            self._chosen[conversation_id] = client_id

    def chosen(self, conversation_id: str) -> Client | None:
        chosen = self._chosen.get(conversation_id)
        return self.directory.get(chosen) if chosen else None

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


def client_command(
    clients: DirectoryClients, args: str, conversation: str, lang: str
) -> list[Reply]:
    """`klient ID|namn` / `client ID|name`: questions here are about that client;
    `klient av` / `client off` forgets it; `klient` alone says which it is."""
    wanted = args.strip()
    known = ", ".join(clients.directory.ids) or "-"
    if not wanted:
        chosen = clients.chosen(conversation)
        if chosen is None:
            return [Reply(text=t("desk.client.none", lang, known=known))]
        return [Reply(text=t("desk.client.now", lang, client=chosen.name))]
    if wanted.lower() in ("av", "off", "ingen", "none"):
        clients.choose(conversation, None)
        return [Reply(text=t("desk.client.off", lang))]
    client = clients.get(wanted)
    if client is None:
        named = clients.directory.clients_named_in(wanted)
        client = named[0] if len(named) == 1 else None
    if client is None:
        return [Reply(text=t("desk.client.unknown", lang, given=wanted[:40], known=known))]
    clients.choose(conversation, client.id)
    return [Reply(text=t("desk.client.now", lang, client=client.name))]
