"""The people table as the chat needs it (implements `bot.chat.ports.People`).

Identities live in one table (storage/people.py); this store only records an e-mail
address a platform told us, and reads one back, each in its own unit of work.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from storage.people import find_person, person_key_for
from storage.sessions import transaction


class PeopleStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    async def learn(self, platform: str, user_id: str, now: datetime, *, email: str) -> None:
        def record() -> None:
            with transaction(self._sessions) as session:
                person_key_for(session, platform, user_id, now, email=email)

        await asyncio.to_thread(record)

    async def email_of(self, platform: str, user_id: str) -> str | None:
        def read() -> str | None:
            with self._sessions() as session:
                person = find_person(session, platform, user_id)
                return person.email if person is not None and person.erased_at is None else None

        return await asyncio.to_thread(read)
