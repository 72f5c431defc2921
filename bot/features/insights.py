"""Chat `insights` / `insikter`: question insights for compliance officers and article owners.

`insights` covers everything the question log still keeps; `insights 30` the last 30 days;
`insights 2027-01-01` everything since that date. Anyone else gets a polite private
refusal, and the attempt is logged (by platform only: no names, no ids).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.authz import Policy, Subject, refusal_text
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Incoming, Reply
from bot.features.insights_figures import Insights, render_text

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Slack user ids (U…/W…) and Teams AAD object ids (GUIDs) written into an article's owner.
_PLATFORM_ID = re.compile(
    r"\b(?:[UW][A-Z0-9]{6,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b"
)
MAX_DAYS = 3650

TEXT = {
    "sv": {
        "insights.refused": "Insikterna är bara för dataskyddsansvariga och kunskapsbankens ägare. "
        "Be dataskyddsombudet om de behöver delas med dig.",
        "insights.bad_args": "Skriv `insikter`, `insikter 30` (senaste 30 dagarna) eller "
        "`insikter 2027-01-01`.",
    },
    "en": {
        "insights.refused": "Insights are for compliance officers and knowledge-base owners only. "
        "Ask the data protection officer if they should be shared with you.",
        "insights.bad_args": (
            "Type `insights`, `insights 30` (the last 30 days) or `insights 2027-01-01`."
        ),
    },
}

add_strings(TEXT)


def owner_addresses(owners: Iterable[str]) -> frozenset[str]:
    """E-mail addresses and platform ids found in articles' `owner` fields, lower-cased.

    Owners are usually roles ("Dataskyddsombud"); an installation that writes
    "Dataskyddsombud <dpo@example.se>" or a Slack id into `owner` gives that person access.
    """
    found: set[str] = set()
    for owner in owners:
        found.update(m.lower() for m in _EMAIL.findall(owner))
        found.update(m.lower() for m in _PLATFORM_ID.findall(owner))
    return frozenset(found)


def parse_since(args: str, now: datetime) -> datetime | None:
    """'' -> None (everything kept); '30' -> 30 days back; '2027-01-01' -> that date (UTC).

    Raises ValueError for anything else.
    """
    args = args.strip()
    if not args:
        return None
    if args.isdigit():
        days = int(args)
        if not 0 < days <= MAX_DAYS:
            raise ValueError("days out of range")
        return now - timedelta(days=days)
    return datetime.combine(date.fromisoformat(args), time.min, tzinfo=UTC)


class InsightsSource(Protocol):
    """Where the figures come from (the question log: bot/records/insights.py)."""

    async def figures(self, *, now: datetime, since: datetime | None, top: int) -> Insights: ...


class InsightsFeature:
    """The `ChatFeature` for insights; built by the composition root."""

    name = "insights"
    action_prefixes: tuple[str, ...] = ()

    def __init__(
        self,
        source: InsightsSource,
        *,
        policy: Policy,
        clock: Callable[[], datetime],
        top: int = 5,
    ) -> None:
        self._source = source
        self._policy = policy
        self._clock = clock
        self._top = top

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        decision = await self._policy.check("insights.view", Subject.of(incoming))
        if not decision:
            log.info(
                "insights refused",
                extra={"platform": incoming.platform, "reason": decision.reason},
            )
            text = refusal_text(decision, lang) or t("insights.refused", lang)
            return [Reply(text=text, private=True)]
        now = self._clock()
        try:
            since = parse_since(args, now)
        except ValueError:
            return [Reply(text=t("insights.bad_args", lang), private=True)]
        figures = await self._source.figures(now=now, since=since, top=self._top)
        log.info("insights shown", extra={"platform": incoming.platform, "asked": figures.asked})
        return [Reply(text=render_text(figures, lang), private=True)]

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []
