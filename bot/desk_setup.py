"""The rights-request desk, built from the bot's services (called from bot/app.py).

Reads the client directory once (`GDPRBOT_CLIENTS`; a broken one stops the bot with
`clients.ClientsError`, one `path:line: field: problem` each), makes answers know the
client when there is a directory, and adds the `request` / `forwarded` commands.

The late-request escalation reaches the compliance officers by platform id; one named by
e-mail address only is reached through the id the platform's directory gave for it at
start (the authorisation policy's one resolution: Slack `users.lookupByEmail`), and an
address nobody resolved is counted in a warning at start rather than left out unsaid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.chat.i18n import t
from bot.features.desk import DeskFeature
from bot.features.desk_clients import DirectoryClients
from clients import Directory, load_directory
from routines.ports import Recipient
from routines.service import (
    ClientContacts,
    RequestRegister,
    RequestReminderJob,
    RequestReminders,
)

if TYPE_CHECKING:
    from bot.app import Services
    from bot.authz import Policy

log = logging.getLogger(__name__)


def add_desk(services: Services) -> DeskFeature:
    settings = services.settings
    directory = load_directory(settings.clients_paths)
    clients = DirectoryClients(directory)
    register = RequestRegister(
        services.sessions, timezone=settings.timezone, keep_years=settings.requests_years
    )
    desk = DeskFeature(register, clients, policy=services.policy, clock=services.now)
    services.add_feature(desk)
    for kind, handler in desk.choice_handlers().items():
        services.conversation.add_choice_handler(kind, handler)
    if len(directory):
        services.conversation.set_client_context(clients)
        reminders = RequestReminders(
            services.sessions,
            services.notifier,
            clients=contacts_of(directory),
            officers=recipients(settings.compliance_officers),
            timezone=settings.timezone,
            language=settings.default_language,
            kind_label=lambda kind, lang: t(f"desk.kind.{kind}", lang),
        )
        RequestReminderJob(reminders, seconds=settings.tick_seconds).add_jobs(services.scheduler)

        async def reach_officers() -> None:  # after the policy resolved the addresses
            found, unresolved = officer_recipients(
                settings.compliance_officers, services.policy, console_user=settings.console_user
            )
            reminders.set_officers(found)
            if unresolved:
                log.warning(
                    "rights requests: compliance officers no platform can reach (an e-mail "
                    "address no platform directory resolved, or no platform id) are not told "
                    "of late requests; name them by platform id (Teams: AAD object id)",
                    extra={"unresolved": unresolved},
                )

        services.startup.append(reach_officers)
        if services.web is not None:  # the overview's headline for officers
            from bot.features.desk_panel import RequestsPanel

            services.web.add_panel(RequestsPanel(register, {c.id: c.name for c in directory}))
    return desk


_AAD = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def recipient(entry: str) -> Recipient | None:
    """A person to notify from a platform id: `slack:U…`, `teams:<AAD id>`, a bare Slack
    `U…`/`W…` id or AAD object id; None for anything else (an e-mail address)."""
    platform, sep, user_id = entry.strip().partition(":")
    if sep and platform in ("slack", "teams") and user_id:
        return Recipient(platform, "person", user_id)
    bare = entry.strip()
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", bare):
        return Recipient("slack", "person", bare)
    if _AAD.match(bare):
        return Recipient("teams", "person", bare)
    return None


def recipients(entries: Iterable[str]) -> tuple[Recipient, ...]:
    return tuple(found for entry in entries if (found := recipient(entry)) is not None)


def officer_recipients(
    entries: Iterable[str], policy: Policy, *, console_user: str = ""
) -> tuple[tuple[Recipient, ...], int]:
    """The officers to tell, and how many entries reach nobody. A platform id is used as it
    is; an address as every platform id resolved for it; the console user's name (an
    officer in the console, README) as the console."""
    found: list[Recipient] = []
    unresolved = 0
    for entry in entries:
        direct = recipient(entry)
        if direct is not None:
            people = [direct]
        elif console_user and entry.strip().lower() == console_user.strip().lower():
            people = [Recipient("console", "person", entry.strip())]
        else:
            ids = policy.people_of(entry) if "@" in entry else ()
            people = [Recipient(platform, "person", user_id) for platform, user_id in ids]
            unresolved += not people
        found += [person for person in people if person not in found]
    return tuple(found), unresolved


def contacts_of(directory: Directory) -> dict[str, ClientContacts]:
    return {
        client.id: ClientContacts(
            name=client.name,
            controller=client.controller,
            contacts=", ".join(value for _kind, value in client.rights_requests.contacts()),
            leads=recipients(client.team_leads),
        )
        for client in directory
    }
