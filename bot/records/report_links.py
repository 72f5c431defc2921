"""Short-lived signed download links for reports (Teams has no file upload for bots).

A compliance officer's report is stored in the database (so any replica behind the load
balancer can serve it) and handed out as `GET /reports/<token>`, where
`token = <id>.<expires unix>.<HMAC-SHA256(key, id.expires.person_key)>`. The link
works for 15 minutes and only for that one stored report; the signing key is generated
once and kept in the database, so every replica signs and checks with the same key.
Expired reports are purged whenever a new one is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import DateTime, Integer, LargeBinary, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from routines.ledger.chain import REPORT_DOWNLOADED, append_event
from storage.base import Base
from storage.clock import as_utc
from storage.sessions import transaction

log = logging.getLogger(__name__)

LINK_LIFETIME: Final = timedelta(minutes=15)


class ReportDownload(Base):
    __tablename__ = "report_downloads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReportLinkKey(Base):
    """One row: the HMAC key every replica uses for download links."""

    __tablename__ = "report_link_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))


def signing_key(session: Session) -> bytes:
    """The shared key, created by whichever replica needs it first (race-safe)."""
    row = session.get(ReportLinkKey, 1)
    if row is None:
        try:
            with session.begin_nested():
                session.add(ReportLinkKey(id=1, secret=secrets.token_hex(32)))
        except Exception:
            log.debug("report link key created concurrently")
        row = session.get(ReportLinkKey, 1)
        assert row is not None
    return bytes.fromhex(row.secret)


def _signature(key: bytes, download_id: str, expires: int, person_key: str) -> str:
    message = f"{download_id}.{expires}.{person_key}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def store_report(
    session: Session,
    *,
    person_key: str,
    filename: str,
    mime_type: str,
    content: bytes,
    now: datetime,
) -> str:
    """Keep the report for LINK_LIFETIME and return its signed token."""
    now = as_utc(now)
    session.execute(delete(ReportDownload).where(ReportDownload.expires_at < now))
    download_id = secrets.token_hex(16)
    expires_at = now + LINK_LIFETIME
    session.add(
        ReportDownload(
            id=download_id,
            person_key=person_key,
            filename=filename,
            mime_type=mime_type,
            content=content,
            created_at=now,
            expires_at=expires_at,
        )
    )
    expires = int(expires_at.timestamp())
    signature = _signature(signing_key(session), download_id, expires, person_key)
    return f"{download_id}.{expires}.{signature}"


@dataclass(frozen=True)
class Download:
    filename: str
    mime_type: str
    content: bytes
    person_key: str


class LinkError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def open_report(session: Session, token: str, now: datetime) -> Download:
    """The report behind a token; LinkError(404) if forged or unknown, (410) if expired."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise LinkError(404, "unknown link")
    download_id, expires_text, signature = parts
    row = session.get(ReportDownload, download_id)
    if row is None:
        raise LinkError(404, "unknown link")
    expires = int(expires_text)
    expected = _signature(signing_key(session), download_id, expires, row.person_key)
    if not hmac.compare_digest(expected, signature) or expires != int(
        as_utc(row.expires_at).timestamp()
    ):
        raise LinkError(404, "unknown link")
    if as_utc(now) >= as_utc(row.expires_at):
        raise LinkError(410, "link expired")
    if not row.content:
        raise LinkError(410, "link already used")
    return Download(row.filename, row.mime_type, bytes(row.content), row.person_key)


def take_report(session: Session, token: str, now: datetime) -> Download:
    """The report behind a token, once: the file is emptied as it is handed out (the row
    stays until the link expires, so a second use is told "already used", 410) and the
    download is a `report.downloaded` ledger entry under the officer's key."""
    download = open_report(session, token, now)
    row = session.get(ReportDownload, token.split(".", 1)[0], with_for_update=True)
    if row is None or not row.content:
        raise LinkError(410, "link already used")
    row.content = b""
    append_event(
        session,
        REPORT_DOWNLOADED,
        {"person_key": download.person_key, "filename": download.filename},
        now,
    )
    return download


def purge_report_downloads(session: Session, now: datetime) -> int:
    """Delete report files whose link has expired (the daily privacy job)."""
    result = session.execute(delete(ReportDownload).where(ReportDownload.expires_at < as_utc(now)))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_report_downloads(session: Session) -> int:
    """Delete every report file waiting for download (erasure): any of them may name the
    person, and a link lives 15 minutes, so the officer just asks again."""
    result = session.execute(delete(ReportDownload))
    return int(getattr(result, "rowcount", 0) or 0)


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/reports/{token}"


class ReportLinkStore:
    """Report downloads for the chat and the web server, each call in a worker thread
    (the chat feature's `ReportLinks`)."""

    def __init__(self, sessions: sessionmaker[Session], public_url: str) -> None:
        self._sessions = sessions
        self._public_url = public_url

    async def store(
        self, *, person_key: str, filename: str, mime_type: str, content: bytes, now: datetime
    ) -> str:
        def keep() -> str:
            with transaction(self._sessions) as session:
                return store_report(
                    session,
                    person_key=person_key,
                    filename=filename,
                    mime_type=mime_type,
                    content=content,
                    now=now,
                )

        return link_url(self._public_url, await asyncio.to_thread(keep))

    async def open(self, token: str, now: datetime) -> Download:
        """The report behind a token, once (`take_report`); LinkError(404) if forged or
        unknown, (410) if expired or already used."""

        def load() -> Download:
            with transaction(self._sessions) as session:
                return take_report(session, token, now)

        return await asyncio.to_thread(load)
