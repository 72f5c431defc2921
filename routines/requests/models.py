"""The rights-request register's table: one row per data-subject request an agent took.

A row says which client (controller) the request is for, what kind it is, when the caller
asked, by when the service company promised to forward it, and when, how and by whom it
was forwarded. It holds nothing about the caller: no name, contact, personnummer or
message text (the chat form says so). `client_ref` is the client's own ticket number.
People (the agent, whoever forwarded it) appear as opaque person keys only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base

# The kinds of request (Art. 15-21 and 7(3)); the string is stored and put in the ledger.
KINDS: Final = (
    "access",
    "erasure",
    "rectification",
    "restriction",
    "objection",
    "portability",
    "consent-withdrawal",
    "other",
)
# How a request was forwarded.
VIAS: Final = ("email", "portal", "phone", "other")

# RightsRequest.stage: how far reminding has gone for a request not forwarded in time.
NONE: Final = 0
AGENT_REMINDED: Final = 1  # the agent who registered it, on its due date
LEAD_ESCALATED: Final = 2  # the client's team leads, the business day after
OFFICERS_ESCALATED: Final = 3  # the compliance officers, a business day later still


class RightsRequest(Base):
    __tablename__ = "rights_requests"
    __table_args__ = (Index("ix_rights_requests_client_received", "client_id", "received_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # what chat and CLI name
    # The same registration twice (a double click, a repeated CLI call with the same ref)
    # has the same key and is recorded once. None: no way to tell repeats apart.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    client_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_on: Mapped[date] = mapped_column(Date)
    forward_by: Mapped[date] = mapped_column(Date, index=True)  # the promise to the client
    respond_by: Mapped[date] = mapped_column(Date)  # the controller's month, Art. 12(3)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    platform: Mapped[str] = mapped_column(String(16))  # where it was registered (cli too)
    forwarded_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    forwarded_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    forwarded_via: Mapped[str | None] = mapped_column(String(16), nullable=True)
    stage: Mapped[int] = mapped_column(Integer, default=NONE)
    stage_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
