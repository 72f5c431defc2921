"""Bot-side table: the anonymous question log and 👍/👎 feedback (insights, retention).

What is stored is the minimum the knowledge owners need to see which questions the bot
could not answer: the question text, its language, whether and with which article it was
answered, the retrieval score and one vote. By default there is no person key at all
(`GDPRBOT_QUESTION_LOG=anonymous`); with `off` nothing is stored.

Unlinkable by design: no person key (the default), the text with personal data replaced
(`redact`: e-mail, personnummer, card and phone numbers), and only the *day* of asking and
voting (midnight UTC), so a row cannot be matched to a platform event by its time.

Retention: `purge_questions` deletes every row whose day lies *strictly more than*
`GDPRBOT_QUESTION_LOG_DAYS` days before `now`: with the default of 90 days, a question
asked on 2027-01-01 (stored as 2027-01-01T00:00Z) is kept until 2027-04-01T00:00Z and
deleted by any purge after that, i.e. never kept longer than 90 days.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import DateTime, Float, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.chat.limits import MAX_QUESTION_CHARS
from bot.chat.ports import Vote
from bot.records.redact import redact
from storage.base import Base
from storage.clock import as_utc
from storage.sessions import transaction

log = logging.getLogger(__name__)

QuestionLogMode = Literal["anonymous", "linked", "off"]


class QuestionRecord(Base):
    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool]
    article_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    vote: Mapped[str | None] = mapped_column(String(4), nullable=True)
    voted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Only ever filled in "linked" mode (not the default); erasure clears it.
    person_key: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)


def day_of(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day: the only time the question log keeps."""
    return as_utc(now).replace(hour=0, minute=0, second=0, microsecond=0)


def record_question(
    session: Session,
    *,
    text: str,
    lang: str,
    answered: bool,
    article_id: str | None,
    score: float,
    now: datetime,
    mode: QuestionLogMode = "anonymous",
    person_key: str | None = None,
) -> int | None:
    """Log one question; return its id (for feedback buttons), or None when logging is off.

    `person_key` is stored only in "linked" mode; in the default anonymous mode it is
    dropped here, so no caller can link questions to people by accident.
    """
    if mode == "off":
        return None
    record = QuestionRecord(
        asked_at=day_of(now),
        lang=lang[:8],
        text=redact(text.strip()[:MAX_QUESTION_CHARS]),
        answered=answered,
        article_id=article_id,
        score=float(score),
        person_key=person_key if mode == "linked" else None,
    )
    session.add(record)
    session.flush()
    log.debug("question logged", extra={"question_id": record.id, "answered": answered})
    return record.id


def record_feedback(session: Session, question_id: int, vote: Vote, now: datetime) -> bool:
    """Record 👍/👎 once per question: True if this vote counted, False otherwise.

    A second vote (a double click, a retried event, or a change of mind) does not count:
    the conditional UPDATE makes this hold across replicas too.
    """
    if vote not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
    result = session.execute(
        update(QuestionRecord)
        .where(QuestionRecord.id == question_id, QuestionRecord.vote.is_(None))
        .values(vote=vote, voted_at=day_of(now))
    )
    counted = bool(result.rowcount)  # type: ignore[attr-defined]
    log.debug("feedback", extra={"question_id": question_id, "counted": counted})
    return counted


def record_clarification_resolved(session: Session, question_id: int, article_id: str) -> bool:
    """A "did you mean" was resolved by clicking `article_id`: the unanswered question gets
    that article, once (True); a second click or another option later changes nothing.
    The row stays `answered = False`: the bot did not answer on its own."""
    result = session.execute(
        update(QuestionRecord)
        .where(
            QuestionRecord.id == question_id,
            QuestionRecord.answered.is_(False),
            QuestionRecord.article_id.is_(None),
        )
        .values(article_id=article_id[:200])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def purge_cutoff(now: datetime, days: int) -> datetime:
    """Rows asked before this moment (strictly) are past retention."""
    return as_utc(now) - timedelta(days=days)


def purge_questions(session: Session, *, now: datetime, days: int) -> int:
    """Delete questions asked more than `days` days before `now`; return how many."""
    if days < 0:
        raise ValueError("retention days must not be negative")
    result = session.execute(
        delete(QuestionRecord).where(QuestionRecord.asked_at < purge_cutoff(now, days))
    )
    purged = int(result.rowcount)  # type: ignore[attr-defined]
    log.info("question log purged", extra={"purged": purged, "retention_days": days})
    return purged


def unlink_person(session: Session, person_key: str) -> int:
    """Remove any link from questions to a person (erasure); the anonymous text stays."""
    result = session.execute(
        update(QuestionRecord)
        .where(QuestionRecord.person_key == person_key)
        .values(person_key=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def questions_of(session: Session, person_key: str) -> list[QuestionRecord]:
    """Questions linked to a person (only ever non-empty in "linked" mode)."""
    return list(
        session.scalars(
            select(QuestionRecord)
            .where(QuestionRecord.person_key == person_key)
            .order_by(QuestionRecord.id)
        )
    )


class QuestionStore:
    """The conversation's `QuestionLog` (bot.chat.ports), in a worker thread per call."""

    def __init__(self, sessions: sessionmaker[Session], mode: QuestionLogMode) -> None:
        self._sessions = sessions
        self._mode = mode

    async def record_question(
        self,
        *,
        text: str,
        lang: str,
        answered: bool,
        article_id: str | None,
        score: float,
        now: datetime,
    ) -> int | None:
        if self._mode == "off":
            return None

        def record() -> int | None:
            with transaction(self._sessions) as session:
                return record_question(
                    session,
                    text=text,
                    lang=lang,
                    answered=answered,
                    article_id=article_id,
                    score=score,
                    now=now,
                    mode=self._mode,
                )

        return await asyncio.to_thread(record)

    async def record_feedback(self, question_id: int, vote: Vote, now: datetime) -> bool:
        def record() -> bool:
            with transaction(self._sessions) as session:
                return record_feedback(session, question_id, vote, now)

        return await asyncio.to_thread(record)

    async def record_clarification_resolved(
        self, question_id: int, article_id: str, now: datetime
    ) -> bool:
        def record() -> bool:
            with transaction(self._sessions) as session:
                return record_clarification_resolved(session, question_id, article_id)

        return await asyncio.to_thread(record)
