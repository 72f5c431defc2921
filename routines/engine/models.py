"""Routine tables: first sightings, occurrences, assignees, confirmations, notes, outbox.

The database is the referee between replicas: every row that must exist once has a unique
key, and whoever's INSERT wins does the follow-up work (posting, ledger entry). People
appear only as `person_key` (see `storage.people`), never as names or platform ids.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

# Occurrence.status
OPEN: Final = "open"
DONE: Final = "done"  # confirmed on or before the due date
LATE: Final = "late"  # confirmed after the due date
MISSED: Final = "missed"  # closed without confirmation (the next occurrence arrived)
NOT_APPLICABLE: Final = "not_applicable"
CLOSED_STATUSES: Final = frozenset({DONE, LATE, MISSED, NOT_APPLICABLE})

# Confirmation.kind
CONFIRM: Final = "confirm"
NA: Final = "not_applicable"

# Notification.kind (the outbox)
POST: Final = "post"  # the occurrence itself, when it falls due
REMINDER: Final = "reminder"  # before the due date
REREMINDER: Final = "rereminder"  # after the due date, every N days while open
ESCALATION: Final = "escalation"
UPDATE: Final = "update"  # edit an already posted message in place
PROBLEM: Final = "problem"  # tell the routine's people a channel post cannot be delivered

# Notification.status
PENDING: Final = "pending"
SENT: Final = "sent"
CANCELLED: Final = "cancelled"  # no longer needed (occurrence closed, person confirmed)
FAILED: Final = "failed"  # permanent delivery error; kept for the operator, never retried


class RoutineFirstSeen(Base):
    """When this installation first loaded a routine: catch-up never reaches back before it."""

    __tablename__ = "routine_first_seen"

    routine_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Occurrence(Base):
    """One due instance of a routine, unique on (routine_id, scheduled_date).

    `scheduled_date` is what the schedule rule produced (before business-day shifting);
    `post_date` is the day it is posted (after shifting) and `due_date` the deadline.
    """

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("routine_id", "scheduled_date"),
        Index("ix_occurrences_status_due", "status", "due_date"),
        # Covers the web pages' aggregates (routines/reports/dashboard.py): counted from
        # the index alone, without reading the table.
        Index("ix_occurrences_dashboard", "scheduled_date", "status", "due_date", "routine_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    routine_id: Mapped[str] = mapped_column(String(100), index=True)
    scheduled_date: Mapped[date] = mapped_column(Date)
    post_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    confirm_mode: Mapped[str] = mapped_column(String(8), default="any")  # any | all
    anyone_in_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Created by catch-up after its post moment had passed (the bot was down).
    created_late: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # person_key
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # not-applicable reason
    # Extra content computed at creation by a kind provider (e.g. articles due for review).
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class OccurrenceAssignee(Base):
    """Who must confirm an occurrence (none when anyone in the channel may)."""

    __tablename__ = "occurrence_assignees"
    __table_args__ = (UniqueConstraint("occurrence_id", "person_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))  # where to remind this person


class Confirmation(Base):
    """A confirmation or not-applicable by one person: a double click is recorded once."""

    __tablename__ = "confirmations"
    __table_args__ = (UniqueConstraint("occurrence_id", "person_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrences.id", ondelete="CASCADE"), index=True
    )
    person_key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20), default=CONFIRM)  # confirm | not_applicable
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # note/evidence link/reason
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OccurrenceNote(Base):
    """A note or evidence link added to an occurrence (any number, by assignees)."""

    __tablename__ = "occurrence_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrences.id", ondelete="CASCADE"), index=True
    )
    person_key: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notification(Base):
    """The outbox: one message to deliver, claimed with a lease by one dispatcher at a time.

    Unique per (occurrence, kind, recipient, sequence) so that replicas planning the same
    reminder insert it once. A person recipient's `recipient_address` is a person_key,
    resolved through the people table at send time.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint(
            "occurrence_id",
            "kind",
            "recipient_platform",
            "recipient_kind",
            "recipient_address",
            "sequence",
            name="uq_notifications_once",
        ),
        Index("ix_notifications_ready", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    recipient_platform: Mapped[str] = mapped_column(String(16))
    recipient_kind: Mapped[str] = mapped_column(String(8))  # channel | person
    recipient_address: Mapped[str] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # due / next retry
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PostedMessage(Base):
    """Where a notification landed, so the message can be updated in place later."""

    __tablename__ = "posted_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), unique=True
    )
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("occurrences.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
