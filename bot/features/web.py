"""Chat `webb` / `web`: a one-time sign-in link to the officers' web pages, in private.

Compliance officers and team leads (bot/web/access.py decides) get a link that works
once, for 10 minutes; anyone else gets a polite refusal, logged by platform only. Without
web pages (no GDPRBOT_WEB_SECRET in a production-like set-up) the command says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.authz import Policy, Subject, refusal_text
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Incoming, Reply

log = logging.getLogger(__name__)

add_strings(
    {
        "sv": {
            "web.chat.link": "Här är din inloggningslänk till GDPR-botens webbsidor. Den "
            "fungerar en gång och gäller till {until}; dela den inte.\n{url}",
            "web.chat.refused": "Webbsidorna är för dataskyddsombud, compliance och "
            "teamledare. Du ser dina egna rutiner med `rutiner`.",
            "web.chat.off": "Webbsidorna är inte påslagna i den här installationen "
            "(GDPRBOT_WEB_SECRET saknas). Be administratören.",
        },
        "en": {
            "web.chat.link": "Here is your sign-in link to the GDPR bot's web pages. It works "
            "once, until {until}; do not share it.\n{url}",
            "web.chat.refused": "The web pages are for the data protection officer, "
            "compliance and team leads. See your own routines with `routines`.",
            "web.chat.off": "The web pages are not switched on in this installation "
            "(GDPRBOT_WEB_SECRET is missing). Ask your administrator.",
        },
    }
)


class IssuedLink(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...


class SignInIssuer(Protocol):
    """Makes sign-in links (bot/web/signin.py `SignInLinks`)."""

    async def for_chat(
        self,
        platform: str,
        user_id: str,
        now: datetime,
        *,
        display_name: str | None,
        email: str | None,
    ) -> IssuedLink | None:
        """A link for an officer or team lead; None for anyone else."""
        ...


class WebFeature:
    """The `web` command (a `ChatFeature`); `issuer` None when the pages are off."""

    name = "web"
    action_prefixes: tuple[str, ...] = ()

    def __init__(
        self,
        issuer: SignInIssuer | None,
        *,
        policy: Policy,
        clock: Callable[[], datetime],
        local_time: Callable[[datetime], str],
    ) -> None:
        self._issuer = issuer
        self._policy = policy
        self._clock = clock
        self._local_time = local_time

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        decision = await self._policy.check("web.link", Subject.of(incoming))
        if not decision:
            return [Reply(text=refusal_text(decision, lang) or "", private=True)]
        if self._issuer is None:
            return [Reply(text=t("web.chat.off", lang), private=True)]
        issued = await self._issuer.for_chat(
            incoming.platform, incoming.user_id, self._clock(),
            display_name=incoming.display_name, email=incoming.email,
        )  # fmt: skip
        if issued is None:
            log.info(
                "web link refused: neither officer nor lead", extra={"platform": incoming.platform}
            )
            return [Reply(text=t("web.chat.refused", lang), private=True)]
        text = t("web.chat.link", lang, url=issued.url, until=self._local_time(issued.expires_at))
        return [Reply(text=text, private=True)]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []
