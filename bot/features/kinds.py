"""Content providers for catalogue `kind`s, wired here because only `bot` may know both
`knowledge` and `routines` (routines never imports knowledge).

- `kb_review`: articles past `review_every_months`, grouped by owner; owners given as an
  e-mail or `platform:id` are also sent the post. Skipped when nothing is due.
- `ledger_seal`: routines/ledger_seal.py (the ledger's head hash).
- `knowledge_gaps`: bot/insights.py (the month's unanswered questions).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from knowledge import Article, KnowledgeBase
from routines.catalog import PLATFORMS, Routine, Target
from routines.engine.occurrences import KindContent, KindProvider

HEADINGS = {
    "sv": "Artiklar som ska granskas av sin ägare:",
    "en": "Articles due for review by their owner:",
}
LINE = {
    "sv": "- {title} (`{id}`), ägare {owner}, senast granskad {reviewed}",
    "en": "- {title} (`{id}`), owner {owner}, last reviewed {reviewed}",
}


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
    def provide(session: Session, routine: Routine, scheduled: date, now: datetime) -> KindContent:
        due = overdue_articles(articles(), scheduled)
        if not due:
            return KindContent(skip=True)
        text = {
            lang: "\n".join(
                [HEADINGS[lang]]
                + [
                    LINE[lang].format(
                        title=a.title, id=a.id, owner=a.owner, reviewed=a.reviewed.isoformat()
                    )
                    for a in due
                    if a.lang == lang or not any(b.id == a.id and b.lang == lang for b in due)
                ]
            )
            for lang in ("sv", "en")
        }
        platform = routine.post_to[0].platform if routine.post_to else "console"
        owners = {t for a in due if (t := _owner_target(a.owner, platform))}
        return KindContent(text=text, people=tuple(sorted(owners, key=lambda t: t.address)))

    return provide


def providers_for(
    settings: Settings, knowledge_base: KnowledgeBase | None = None
) -> dict[str, KindProvider]:
    """Every kind provider, for the composition root and `routines run-due`."""
    from bot.records.insights import knowledge_gaps_provider
    from routines.ledger.seal import ledger_seal_provider

    def articles() -> Iterable[Article]:
        nonlocal knowledge_base
        if knowledge_base is None:
            from knowledge import load_knowledge_base

            knowledge_base = load_knowledge_base(settings.knowledge_paths)
        return list(knowledge_base)

    return {
        "kb_review": kb_review_provider(articles),
        "ledger_seal": ledger_seal_provider,
        "knowledge_gaps": knowledge_gaps_provider,
    }
