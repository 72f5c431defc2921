"""Bot-side table: the anonymous question log and 👍/👎 feedback (insights, retention).

What is stored is the minimum the knowledge owners need to see which questions the bot
could not answer: the question text, its language, whether and with which article it was
answered, the retrieval score and how many 👍 and 👎 its answer got. By default there is
no person key at all (`GDPRBOT_QUESTION_LOG=anonymous`); with `off` nothing is stored.

Votes: one per person per answer, without storing who voted. A vote first claims
`vote_key(voter, question id)` in `handled_events` (platform `vote`): an HMAC under the
same secret the event keys use, no text, gone with the other event keys after a day. The
first claim counts (`up_votes` / `down_votes` + 1); the same person's second vote on that
answer, 👍 or 👎, changes nothing (the first one stands, as a double click does), while a
vote by someone else on the same answer counts. A repeat after the key expired (a day
later) would count again: the price of not keeping who voted.

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
from bot.records.events import claim_event, event_key
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
    up_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    down_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The day of the last counted vote (midnight UTC), nothing finer.
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


VOTE_PLATFORM = "vote"  # the `handled_events` rows that are vote keys


def vote_key(voter: str, question_id: int, secret: bytes | None) -> str:
    """The dedupe key of one person's vote on one answer: an HMAC, never the voter's id."""
    return event_key(VOTE_PLATFORM, f"{voter}\x00{question_id}", secret)


def record_feedback(
    session: Session,
    question_id: int,
    vote: Vote,
    now: datetime,
    *,
    voter: str,
    secret: bytes | None = None,
) -> bool:
    """Count 👍/👎 once per person per answer: True if this vote counted, False otherwise.

    `voter` (platform and user id) is only HMAC'd into the dedupe key, never stored. The
    same person's second vote (a double click, a retried event, a change of mind) does not
    count; the claim and the count commit together, so this holds across replicas too.
    """
    if vote not in ("up", "down"):
        raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
    if session.get(QuestionRecord, question_id) is None:
        return False  # a stale button: the question is past retention (or never was)
    if not claim_event(session, VOTE_PLATFORM, vote_key(voter, question_id, secret), now):
        return False
    column = QuestionRecord.up_votes if vote == "up" else QuestionRecord.down_votes
    result = session.execute(
        update(QuestionRecord)
        .where(QuestionRecord.id == question_id)
        .values({column: column + 1, QuestionRecord.voted_at: day_of(now)})
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

    def __init__(
        self,
        sessions: sessionmaker[Session],
        mode: QuestionLogMode,
        *,
        secret: bytes | None = None,
    ) -> None:
        """`secret`: the key of the vote dedupe HMACs (the event keys' secret)."""
        self._sessions = sessions
        self._mode = mode
        self._secret = secret

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

    async def record_feedback(
        self, question_id: int, vote: Vote, now: datetime, *, voter: str
    ) -> bool:
        def record() -> bool:
            with transaction(self._sessions) as session:
                return record_feedback(
                    session, question_id, vote, now, voter=voter, secret=self._secret
                )

        return await asyncio.to_thread(record)

    async def record_clarification_resolved(
        self, question_id: int, article_id: str, now: datetime
    ) -> bool:
        def record() -> bool:
            with transaction(self._sessions) as session:
                return record_clarification_resolved(session, question_id, article_id)

        return await asyncio.to_thread(record)
