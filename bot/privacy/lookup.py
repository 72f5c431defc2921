"""Finding the people a privacy request is about: by platform user id or e-mail address."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.people import Person


class PersonNotFound(LookupError):
    """No (non-erased) person has that platform user id or e-mail address."""


# `slack:U0123` names one platform's id, as `gdpr-bot web link` and routine files write it
PLATFORM_PREFIXES = ("slack", "teams", "console")


def find_people(session: Session, who: str) -> list[Person]:
    """Every identity row for a platform user id (exact; `slack:U0123` on that platform
    only) or an e-mail address (any case).

    One human may have a row per platform (Slack and Teams, same e-mail): all are returned.
    """
    who = who.strip()
    platform, colon, user_id = who.partition(":")
    if colon and platform.lower() in PLATFORM_PREFIXES and user_id.strip():
        return [p for p in find_people(session, user_id) if p.platform == platform.lower()]
    if not who:
        return []
    condition = Person.platform_user_id == who
    if "@" in who:
        condition = or_(condition, func.lower(Person.email) == who.lower())
    else:
        # Teams AAD object ids are case-insensitive GUIDs.
        condition = or_(condition, func.lower(Person.platform_user_id) == who.lower())
    stmt = (
        select(Person)
        .where(condition, Person.erased_at.is_(None))
        .order_by(Person.platform, Person.created_at)
    )
    return list(session.scalars(stmt))


def require_people(session: Session, who: str) -> list[Person]:
    people = find_people(session, who)
    if not people:
        raise PersonNotFound(
            "no person with that platform id or e-mail address "
            "(ingen person med det id:t eller den e-postadressen)"
        )
    return people
