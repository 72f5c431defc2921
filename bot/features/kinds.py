"""Content providers for catalogue `kind`s that need more than routines knows (routines
never imports knowledge or the bot's records); the composition root registers them.

- `kb_review`: articles past `review_every_months`, grouped by owner; owners given as an
  e-mail or `platform:id` are also sent the post. Skipped when nothing is due.
- `knowledge_gaps`: the month's unanswered questions (read by bot/records/insights.py
  inside the occurrence's transaction, whose session is passed through untouched).
- `ledger_seal` is routines' own (routines/ledger/seal.py).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from bot.chat.i18n import add_strings, t
from bot.features.insights_figures import QuestionGroup, unanswered_lines
from knowledge import Article
from routines.service import PLATFORMS, KindContent, KindProvider, Routine, Target

GAPS_DAYS = 31

add_strings(
    {
        "sv": {
            "kinds.kb_review.heading": "Artiklar som ska granskas av sin ägare:",
            "kinds.kb_review.line": (
                "- {title} (`{id}`), ägare {owner}, senast granskad {reviewed}"
            ),
            "kinds.gaps.heading": (
                "*Frågor boten inte kunde besvara de senaste {days} dagarna* "
                "(liknande grupperade; skriv eller komplettera artiklar för dem):"
            ),
        },
        "en": {
            "kinds.kb_review.heading": "Articles due for review by their owner:",
            "kinds.kb_review.line": "- {title} (`{id}`), owner {owner}, last reviewed {reviewed}",
            "kinds.gaps.heading": (
                "*Questions the bot could not answer in the last {days} days* "
                "(similar ones grouped; write or extend articles for them):"
            ),
        },
    }
)

# (the occurrence's session, now, days) -> the top unanswered question groups
Unanswered = Callable[[Any, datetime, int], Sequence[QuestionGroup]]


def review_due(article: Article) -> date:
    months = article.reviewed.month - 1 + article.review_every_months
    year, month = article.reviewed.year + months // 12, months % 12 + 1
    day = min(article.reviewed.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def overdue_articles(articles: Iterable[Article], today: date) -> list[Article]:
    return sorted(
        (a for a in articles if review_due(a) <= today), key=lambda a: (a.owner, a.id, a.lang)
    )


def _owner_target(owner: str, default_platform: str) -> Target | None:
    platform, sep, address = owner.partition(":")
    if sep and platform in PLATFORMS and address:
        return Target(platform, "person", address)
    if "@" in owner and " " not in owner.strip():
        return Target(default_platform, "person", owner.strip())
    return None  # a role or team name: the post goes to the routine's channel only


def kb_review_provider(articles: Callable[[], Iterable[Article]]) -> KindProvider:
    """`kind: kb_review`: the articles due for review, or skip when none is."""

    def provide(_session: object, routine: Routine, scheduled: date, now: datetime) -> KindContent:
        due = overdue_articles(articles(), scheduled)
        if not due:
            return KindContent(skip=True)
        text = {
            lang: "\n".join(
                [t("kinds.kb_review.heading", lang)]
                + [
                    t(
                        "kinds.kb_review.line",
                        lang,
                        title=a.title,
                        id=a.id,
                        owner=a.owner,
                        reviewed=a.reviewed.isoformat(),
                    )
                    for a in due
                    if a.lang == lang or not any(b.id == a.id and b.lang == lang for b in due)
                ]
            )
            for lang in ("sv", "en")
        }
        platform = routine.post_to[0].platform if routine.post_to else "console"
        owners = {tg for a in due if (tg := _owner_target(a.owner, platform))}
        return KindContent(text=text, people=tuple(sorted(owners, key=lambda tg: tg.address)))

    return provide


def knowledge_gaps_provider(unanswered: Unanswered, *, days: int = GAPS_DAYS) -> KindProvider:
    """`kind: knowledge_gaps`: the unanswered questions of the last `days` days, or skip."""

    def provide(session: object, routine: Routine, scheduled: date, now: datetime) -> KindContent:
        groups = unanswered(session, now, days)
        if not groups:
            return KindContent(skip=True)
        text = {
            lang: "\n".join(
                [t("kinds.gaps.heading", lang, days=days), *unanswered_lines(groups, lang)]
            )
            for lang in ("sv", "en")
        }
        return KindContent(text=text)

    return provide
