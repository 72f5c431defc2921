"""Question insights read from the anonymous question log (bot/records/questions.py).

`compute_insights` streams the log once for the counts and groups the newest unanswered
questions (bot/features/insights_figures.py holds the figures and the grouping);
`InsightsStore` hands them to the chat feature, and `recent_unanswered` feeds the monthly
"knowledge gaps" routine inside its occurrence's transaction.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.features.insights_figures import (
    ArticleCount,
    ArticleVotes,
    Insights,
    QuestionGroup,
    Rate,
    group_questions,
    iso_week,
)
from bot.records.questions import QuestionRecord
from storage.clock import as_utc
from storage.sessions import transaction

# Grouping is quadratic in the number of groups; the newest unanswered questions suffice.
MAX_UNANSWERED_SCANNED = 5000


def compute_insights(
    session: Session, *, now: datetime, since: datetime | None = None, top: int = 10
) -> Insights:
    """Figures over questions asked in [since, now]; `since=None` means everything kept."""
    window = [QuestionRecord.asked_at <= as_utc(now)]
    if since is not None:
        window.append(QuestionRecord.asked_at >= as_utc(since))

    asked = answered = 0
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_week: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    asked_articles: Counter[str] = Counter()
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # article -> [down, up]
    stmt = select(
        QuestionRecord.asked_at,
        QuestionRecord.lang,
        QuestionRecord.answered,
        QuestionRecord.article_id,
        QuestionRecord.down_votes,
        QuestionRecord.up_votes,
    ).where(*window)
    for asked_at, lang, was_answered, article_id, down, up in session.execute(
        stmt.execution_options(yield_per=1000)
    ):
        asked += 1
        answered += int(was_answered)
        for bucket in (per_lang[lang], per_week[iso_week(asked_at)]):
            bucket[0] += 1
            bucket[1] += int(was_answered)
        if was_answered and article_id:
            asked_articles[article_id] += 1
        if article_id and (down or up):
            votes[article_id][0] += down or 0
            votes[article_id][1] += up or 0

    unanswered_rows = session.execute(
        select(QuestionRecord.text, QuestionRecord.lang)
        .where(*window, QuestionRecord.answered.is_(False))
        .order_by(QuestionRecord.asked_at.desc(), QuestionRecord.id.desc())
        .limit(MAX_UNANSWERED_SCANNED)
    ).all()
    unanswered = group_questions(reversed([(t, lg) for t, lg in unanswered_rows]), top)

    downvoted = sorted(
        (ArticleVotes(a, d, u) for a, (d, u) in votes.items() if d),
        key=lambda v: (-v.down, v.up, v.article_id),
    )[:top]
    most_asked = sorted(
        (ArticleCount(a, c) for a, c in asked_articles.items()),
        key=lambda c: (-c.count, c.article_id),
    )[:top]
    return Insights(
        since=since,
        until=now,
        asked=asked,
        answered=answered,
        unanswered=tuple(unanswered),
        most_downvoted=tuple(downvoted),
        most_asked=tuple(most_asked),
        by_language=tuple(Rate(k, a, n) for k, (a, n) in sorted(per_lang.items())),
        by_week=tuple(Rate(k, a, n) for k, (a, n) in sorted(per_week.items())),
    )


def recent_unanswered(
    session: Session, now: datetime, days: int, top: int = 10
) -> tuple[QuestionGroup, ...]:
    """The top unanswered question groups of the last `days` days."""
    return compute_insights(session, now=now, since=now - timedelta(days=days), top=top).unanswered


class InsightsStore:
    """Figures for the chat feature (its `InsightsSource`), in a worker thread."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def figures(self, *, now: datetime, since: datetime | None, top: int) -> Insights:
        def compute() -> Insights:
            with transaction(self._sessions) as session:
                return compute_insights(session, now=now, since=since, top=top)

        return await asyncio.to_thread(compute)
