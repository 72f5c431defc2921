"""The rights-request desk, built from the bot's services (called from bot/app.py).

Reads the client directory once (`GDPRBOT_CLIENTS`; a broken one stops the bot with
`clients.ClientsError`, one `path:line: field: problem` each), makes answers know the
client when there is a directory, and adds the `request` / `forwarded` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.desk import DeskFeature
from bot.features.desk_clients import DirectoryClients
from clients import load_directory
from routines.service import RequestRegister

if TYPE_CHECKING:
    from bot.app import Services


def add_desk(services: Services) -> DeskFeature:
    settings = services.settings
    directory = load_directory(settings.clients_paths)
    clients = DirectoryClients(directory)
    register = RequestRegister(services.sessions, timezone=settings.timezone)
    desk = DeskFeature(register, clients, policy=services.policy, clock=services.now)
    services.add_feature(desk)
    for kind, handler in desk.choice_handlers().items():
        services.conversation.add_choice_handler(kind, handler)
    if len(directory):
        services.conversation.set_client_context(clients)
    return desk
