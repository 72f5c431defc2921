"""Occurrence codes: what people type in `ack CODE` instead of a guessable sequential id.

A code is six characters of an HMAC-SHA256 of the occurrence id under a key every replica
shares (kept in the database, created by whichever replica needs it first, like the
report-link key), from an alphabet without look-alikes (no 0/o, 1/l/i). Nothing is stored
per occurrence: the chat lists an occurrence with its code, and a typed code is matched
against the codes of the open occurrences.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from sqlalchemy.orm import Session, sessionmaker

from bot.records.report_links import signing_key
from storage.sessions import transaction

ALPHABET: Final = "abcdefghjkmnpqrstuvwxyz23456789"
LENGTH: Final = 6  # 31**6: about 887 million codes


def occurrence_code(key: bytes, occurrence_id: int) -> str:
    digest = hmac.new(key, f"occurrence:{occurrence_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


class OccurrenceCodes:
    """The routines feature's codes (its `Codes` protocol); the key is read once."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._key: bytes | None = None

    def _shared_key(self) -> bytes:
        if self._key is None:
            with transaction(self._sessions) as session:
                self._key = hashlib.sha256(b"occurrence codes" + signing_key(session)).digest()
        return self._key

    def code_of(self, occurrence_id: int) -> str:
        return occurrence_code(self._shared_key(), occurrence_id)
