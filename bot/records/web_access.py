"""Sign-in links and sessions of the web pages (tables `web_signin_links`, `web_sessions`).

Only SHA-256 digests of link and session ids are stored (bot/web/keys.py makes and signs
the ids with the web secret, which is not in the database): a copy of these tables
signs nobody in. A link is single use: consuming it is one conditional UPDATE
(`used_at IS NULL AND expires_at > now`), so two clicks, two tabs or two replicas race
and exactly one wins. Each method is one unit of work (call it from a worker thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import DateTime, String, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from bot.web.access import Identity
from bot.web.keys import digest
from storage.base import Base
from storage.clock import as_utc
from storage.people import Person, find_person, person_key_for
from storage.sessions import transaction

LinkStatus = Literal["valid", "used", "expired", "unknown"]
# Used and expired links are kept a day (so a late click is told "used" or "expired").
KEEP_SPENT = timedelta(days=1)


class WebSignInLink(Base):
    __tablename__ = "web_signin_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(32), index=True)
    via: Mapped[str] = mapped_column(String(16))  # chat | cli
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_key: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class LinkCheck:
    status: LinkStatus
    person_key: str | None = None
    via: str = ""


def forget_web_access(session: Session, person_key: str) -> int:
    """Erasure: the person's sign-in links and sessions go (they sign out everywhere)."""
    links = session.execute(delete(WebSignInLink).where(WebSignInLink.person_key == person_key))
    sessions = session.execute(delete(WebSession).where(WebSession.person_key == person_key))
    return int(links.rowcount or 0) + int(sessions.rowcount or 0)  # type: ignore[attr-defined]


def web_access_of(session: Session, person_key: str) -> dict[str, list[dict[str, str | None]]]:
    """For a register extract: the person's sign-in links and web sessions (times only)."""

    def iso(moment: datetime | None) -> str | None:
        return as_utc(moment).isoformat() if moment is not None else None

    links = session.scalars(
        select(WebSignInLink)
        .where(WebSignInLink.person_key == person_key)
        .order_by(WebSignInLink.created_at)
    )
    sessions = session.scalars(
        select(WebSession)
        .where(WebSession.person_key == person_key)
        .order_by(WebSession.created_at)
    )
    return {
        "sign_in_links": [
            {
                "via": link.via,
                "created_at": iso(link.created_at),
                "expires_at": iso(link.expires_at),
                "used_at": iso(link.used_at),
            }
            for link in links
        ],
        "sessions": [
            {"created_at": iso(s.created_at), "expires_at": iso(s.expires_at)} for s in sessions
        ],
    }


def purge_web_access(session: Session, now: datetime) -> int:
    """Retention: links spent or expired a day ago, and expired sessions."""
    now = as_utc(now)
    links = session.execute(
        delete(WebSignInLink).where(
            or_(
                WebSignInLink.expires_at < now - KEEP_SPENT,
                WebSignInLink.used_at < now - KEEP_SPENT,
            )
        )
    )
    sessions = session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return int(links.rowcount or 0) + int(sessions.rowcount or 0)  # type: ignore[attr-defined]


def _identity(person: Person | None) -> Identity | None:
    if person is None or person.erased_at is not None or not person.platform_user_id:
        return None
    return Identity(
        person_key=person.person_key,
        platform=person.platform,
        user_id=person.platform_user_id,
        email=person.email,
        name=person.display_name or person.platform_user_id,
    )


class WebAccessStore:
    """Links, sessions and the identities behind them; one unit of work per method."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- people -----------------------------------------------------------------------

    def identify(
        self,
        platform: str,
        user_id: str,
        now: datetime,
        *,
        display_name: str | None = None,
        email: str | None = None,
    ) -> Identity | None:
        """The person writing in chat (created on first sight, as the chat does)."""
        with transaction(self._sessions) as session:
            key = person_key_for(
                session, platform, user_id, now, display_name=display_name, email=email
            )
            return _identity(session.get(Person, key))

    def lookup(self, who: str) -> list[Identity]:
        """`platform:user_id`, or a platform user id or e-mail address, of people the bot
        has met: every matching identity (one human may have one per platform)."""
        platform, sep, user_id = who.strip().partition(":")
        with self._sessions() as session:
            if sep and platform and user_id and "@" not in platform:
                found = find_person(session, platform, user_id)
                people = [found] if found is not None else []
            else:
                condition = func.lower(Person.platform_user_id) == who.strip().lower()
                if "@" in who:
                    condition = or_(condition, func.lower(Person.email) == who.strip().lower())
                people = list(
                    session.scalars(
                        select(Person).where(condition).order_by(Person.platform, Person.created_at)
                    )
                )
            return [i for p in people if (i := _identity(p)) is not None]

    def identity(self, person_key: str) -> Identity | None:
        with self._sessions() as session:
            return _identity(session.get(Person, person_key))

    # --- sign-in links ----------------------------------------------------------------

    def issue_link(
        self, person_key: str, link_id: str, *, via: str, now: datetime, lifetime: timedelta
    ) -> datetime:
        """Keep a new link (by digest) for `lifetime`; returns when it expires."""
        now = as_utc(now)
        with transaction(self._sessions) as session:
            purge_web_access(session, now)
            expires = now + lifetime
            session.add(
                WebSignInLink(
                    token_hash=digest(link_id), person_key=person_key, via=via,
                    created_at=now, expires_at=expires,
                )
            )  # fmt: skip
            return expires

    def check_link(self, link_id: str, now: datetime) -> LinkCheck:
        """What a link is now, without spending it (the sign-in page shows who it is for)."""
        with self._sessions() as session:
            row = session.get(WebSignInLink, digest(link_id))
            return _check(row, as_utc(now))

    def consume_link(self, link_id: str, now: datetime) -> LinkCheck:
        """Spend the link: `valid` for exactly one caller, else why not."""
        now = as_utc(now)
        hashed = digest(link_id)
        with transaction(self._sessions) as session:
            won = session.execute(
                update(WebSignInLink)
                .where(
                    WebSignInLink.token_hash == hashed,
                    WebSignInLink.used_at.is_(None),
                    WebSignInLink.expires_at > now,
                )
                .values(used_at=now)
            ).rowcount  # type: ignore[attr-defined]
            row = session.get(WebSignInLink, hashed)
            if won and row is not None:
                return LinkCheck("valid", row.person_key, row.via)
            return _check(row, now)

    # --- sessions ---------------------------------------------------------------------

    def start_session(
        self, person_key: str, session_id: str, *, now: datetime, lifetime: timedelta
    ) -> datetime:
        now = as_utc(now)
        with transaction(self._sessions) as session:
            expires = now + lifetime
            session.add(
                WebSession(
                    id_hash=digest(session_id), person_key=person_key,
                    created_at=now, expires_at=expires,
                )
            )  # fmt: skip
            return expires

    def signed_in(self, session_id: str, now: datetime) -> Identity | None:
        """Who a live session belongs to (None: unknown, ended, expired or erased)."""
        with self._sessions() as session:
            row = session.execute(
                select(Person)
                .join(WebSession, WebSession.person_key == Person.person_key)
                .where(
                    WebSession.id_hash == digest(session_id), WebSession.expires_at > as_utc(now)
                )
            ).scalar_one_or_none()
            return _identity(row)

    def end_session(self, session_id: str) -> None:
        with transaction(self._sessions) as session:
            session.execute(delete(WebSession).where(WebSession.id_hash == digest(session_id)))


def _check(row: WebSignInLink | None, now: datetime) -> LinkCheck:
    if row is None:
        return LinkCheck("unknown")
    if row.used_at is not None:
        return LinkCheck("used", row.person_key, row.via)
    if as_utc(row.expires_at) <= now:
        return LinkCheck("expired", row.person_key, row.via)
    return LinkCheck("valid", row.person_key, row.via)
