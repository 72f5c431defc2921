"""People the bot knows: the only table with platform ids, names and e-mail addresses.

Everything else (occurrences, confirmations, ledger payloads) refers to a person by an
opaque `person_key`, so an identity can be erased without touching evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String, UniqueConstraint, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base
from storage.clock import as_utc
from storage.inserts import insert_once


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    person_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def new_person_key() -> str:
    return uuid.uuid4().hex


def find_person(session: Session, platform: str, platform_user_id: str) -> Person | None:
    return session.scalar(
        select(Person).where(
            Person.platform == platform, Person.platform_user_id == platform_user_id
        )
    )


def person_key_for(
    session: Session,
    platform: str,
    platform_user_id: str,
    now: datetime,
    *,
    display_name: str | None = None,
    email: str | None = None,
) -> str:
    """Return the person's key, creating the row on first sight (race-safe on unique key)."""
    person = find_person(session, platform, platform_user_id)
    if person is None:
        # INSERT ... ON CONFLICT DO NOTHING: a replica that lost the race reads the winner's
        # row instead of failing on the unique key (no savepoint, no error in the log).
        values = {
            "person_key": new_person_key(),
            "platform": platform,
            "platform_user_id": platform_user_id,
            "display_name": display_name,
            "email": email,
            "created_at": now,
            "last_seen_at": now,
        }
        created = insert_once(session, Person, values)
        if created is not None:
            return str(created)
        person = find_person(session, platform, platform_user_id)
        if person is None:
            raise LookupError(f"person row missing after insert on {platform}")
    else:
        person.last_seen_at = now
        if display_name and person.display_name != display_name:
            person.display_name = display_name
        if email and person.email != email:
            person.email = email
    return person.person_key


def person_keys_for(
    session: Session, seen: Sequence[tuple[str, str, str | None, str | None]], now: datetime
) -> dict[tuple[str, str], str]:
    """`person_key_for` for many people at once: (platform, platform user id, display name,
    e-mail) in, {(platform, platform user id): person key} out, in a fixed number of
    statements (one read, and for new people one insert and one more read)."""
    return {key: person.person_key for key, person in people_for(session, seen, now).items()}


def people_for(
    session: Session, seen: Sequence[tuple[str, str, str | None, str | None]], now: datetime
) -> dict[tuple[str, str], Person]:
    """`person_keys_for`, answering with the rows: while the caller holds them, they stay in
    the session (its identity map keeps only what someone references), so reading them
    again by key (`display_name_of`) costs no query."""
    wanted = {(platform, user): (name, email) for platform, user, name, email in seen}
    if not wanted:
        return {}

    def known() -> dict[tuple[str, str], Person]:
        rows = session.scalars(
            select(Person).where(
                tuple_(Person.platform, Person.platform_user_id).in_(sorted(wanted))
            )
        )
        return {(p.platform, str(p.platform_user_id)): p for p in rows}

    found = known()
    new = [key for key in sorted(wanted) if key not in found]
    if new:
        module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        values = [
            {"person_key": new_person_key(), "platform": platform, "platform_user_id": user,
             "display_name": wanted[(platform, user)][0], "email": wanted[(platform, user)][1],
             "created_at": now, "last_seen_at": now}
            for platform, user in new
        ]  # fmt: skip
        # ON CONFLICT DO NOTHING: a replica that won the race keeps its row; read it.
        # The rows as parameters of one statement (compiled once, not once per group size).
        session.execute(module.insert(Person.__table__).on_conflict_do_nothing(), values)
        found = known()
    for key, person in found.items():
        name, email = wanted[key]
        if person.last_seen_at is None or as_utc(person.last_seen_at) < now:
            person.last_seen_at = now
        if name and person.display_name != name:
            person.display_name = name
        if email and person.email != email:
            person.email = email
    return found


def display_name_of(session: Session, person_key: str) -> str | None:
    person = session.get(Person, person_key)
    if person is None or person.erased_at is not None:
        return None
    return person.display_name or person.platform_user_id
