"""`vem` / `jag` / `whoami`: who the bot takes you for, and what that lets you do.

The roles come from the one authorisation policy (bot/authz): compliance officer
(GDPRBOT_COMPLIANCE_OFFICERS), article owner (the knowledge base's `owner_ids`), and the
routines that name you (assignee or escalation). In the console the user is
GDPRBOT_CONSOLE_USER, else the OS user name.
"""

from __future__ import annotations

from bot.authz import Policy, Subject
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Incoming, Reply

add_strings(
    {
        "sv": {
            "whoami.who": "Du är `{user}` på {platform}{name}.",
            "whoami.officer": "- compliance: rapporter, insikter och allt som är försenat",
            "whoami.owner": "- artikelägare: insikter om kunskapsbasen",
            "whoami.leads": "- namngiven i rutinerna: {routines}",
            "whoami.none": "Inga särskilda roller: du kan ställa frågor och se dina rutiner.",
            "whoami.roles": "Dina roller:",
            "whoami.console": "(Konsolens användare sätts med GDPRBOT_CONSOLE_USER.)",
        },
        "en": {
            "whoami.who": "You are `{user}` on {platform}{name}.",
            "whoami.officer": "- compliance officer: reports, insights, everything overdue",
            "whoami.owner": "- article owner: insights about the knowledge base",
            "whoami.leads": "- named in the routines: {routines}",
            "whoami.none": "No special roles: you can ask questions and see your routines.",
            "whoami.roles": "Your roles:",
            "whoami.console": "(The console's user is set with GDPRBOT_CONSOLE_USER.)",
        },
    }
)


class WhoamiFeature:
    """The `whoami` command (a `ChatFeature`)."""

    name = "whoami"
    action_prefixes: tuple[str, ...] = ()

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        subject = Subject(incoming.platform, incoming.user_id)
        name = f" ({incoming.display_name})" if incoming.display_name else ""
        lines = [t("whoami.who", lang, user=incoming.user_id, platform=incoming.platform,
                   name=name)]  # fmt: skip
        roles = []
        if self._policy.is_officer(subject):
            roles.append(t("whoami.officer", lang))
        if self._policy.is_owner(subject):
            roles.append(t("whoami.owner", lang))
        led = sorted(r for r in self._policy.leads if self._policy.leads_routine(subject, r))
        if led:
            roles.append(t("whoami.leads", lang, routines=", ".join(led)))
        lines += [t("whoami.roles", lang), *roles] if roles else [t("whoami.none", lang)]
        if incoming.platform == "console":
            lines.append(t("whoami.console", lang))
        return [Reply(text="\n".join(lines), private=True)]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []
