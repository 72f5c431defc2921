"""What every front end does between translating a payload and rendering the replies.

Slack, Teams and the console each turn their payload into an `Incoming` and call
`Pipeline.run`, which does the same steps for all of them, in order (what the person
typed is first made storable: no NUL, no lone surrogates, which JSON allows and
databases refuse):

1. claim the event once (`EventClaims`: a retried or duplicated delivery is answered by
   whichever replica claimed it first, and by nobody else), storing any conversation
   references the platform wants kept, in the same transaction;
2. identify the sender (a platform-specific lookup of name and e-mail, passed in);
3. ask the gate whether the sender may use the bot at all (`Gate`: the authorisation
   policy's `chat.use`, wired in by the composition root; refused: its reply, nothing
   else happens);
4. count and time the request (Prometheus, no people or text in the labels);
5. hand it to the conversation, which never raises.

A database failure while claiming a click is answered with a private apology (nothing
was recorded, so trying again is safe) instead of an error the platform would retry; a
message is answered anyway (degrade, don't fail: the articles are in memory).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.chat import metrics
from bot.chat.i18n import t
from bot.chat.messages import Incoming, Reply, with_storable_text
from bot.chat.ports import EventClaims, Reference

log = logging.getLogger(__name__)

Identify = Callable[[Incoming], Awaitable[Incoming]]
# None: admitted; else the replies that refuse the sender (bot.authz.gate).
Gate = Callable[[Incoming], Awaitable[list[Reply] | None]]


class Converses(Protocol):
    """The conversation, as the pipeline sees it."""

    async def handle(self, incoming: Incoming) -> list[Reply]: ...

    def help_reply(self, lang: str, *, console: bool = False) -> Reply: ...

    def greeting(self, lang: str | None = None) -> list[Reply]: ...

    async def home(self, incoming: Incoming, lang: str | None = None) -> list[Reply]: ...


class Pipeline:
    def __init__(
        self,
        conversation: Converses,
        claims: EventClaims,
        *,
        clock: Callable[[], datetime],
        default_language: str = "sv",
    ) -> None:
        self.conversation = conversation
        self._claims = claims
        self._clock = clock
        self.default_language = default_language
        self.gate: Gate | None = None  # set once the authorisation policy is built

    def now(self) -> datetime:
        """The bot's clock (front ends stamp references and identities with it)."""
        return self._clock()

    async def run(
        self,
        incoming: Incoming,
        kind: str,
        *,
        claim: str | None = None,
        remember: Sequence[Reference] = (),
        identify: Identify | None = None,
    ) -> list[Reply] | None:
        """The replies for one message or click; None when `claim` was claimed before (a
        repeat: another delivery is answering it). `kind` labels the request metric."""
        incoming = with_storable_text(incoming)  # whatever is stored of it, stores
        if claim or remember:
            try:
                first = await self._claims.claim(
                    incoming.platform, claim, self.now(), remember=remember
                )
            except Exception as exc:
                log.warning(
                    "event not claimed: database error",
                    extra={"platform": incoming.platform, "error": type(exc).__name__},
                )
                metrics.ERRORS.labels("database").inc()
                if kind != "message":
                    return [Reply(text=t("error", self.default_language), private=True)]
                # A message is answered anyway: the knowledge base is in memory, and what
                # needs the database says "try again" itself. (A retry may be answered
                # twice while the database is down; better than not at all.)
                first = True
            if not first:
                return None
        if identify is not None:
            incoming = await identify(incoming)
        if (refused := await self.refusal(incoming)) is not None:
            return refused
        metrics.REQUESTS.labels(incoming.platform, kind).inc()
        with metrics.REQUEST_SECONDS.labels(incoming.platform).time():
            return await self.conversation.handle(incoming)

    async def refusal(self, incoming: Incoming) -> list[Reply] | None:
        """The gate's replies when it refuses the (identified) sender, else None; for
        front ends that show something outside `run` (Slack's App Home)."""
        return None if self.gate is None else await self.gate(incoming)


class NoClaims:
    """Claims for a bot without a database (tools and tests): every event is new."""

    async def claim(
        self, platform: str, key: str | None, now: datetime, *, remember: Sequence[Reference] = ()
    ) -> bool:
        return True
