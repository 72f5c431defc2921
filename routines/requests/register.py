"""The register's use cases: record a request, mark it forwarded, look requests up, purge.

Each method is one unit of work and takes `now`; each step is a ledger entry in the same
transaction (`request.registered`, `request.forwarded`, `requests.purged`). The register
keeps nothing about the caller (see models.py); people are person keys.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from routines.engine.acknowledgements import Actor
from routines.ledger.chain import (
    REQUEST_FORWARDED,
    REQUEST_REGISTERED,
    REQUESTS_PURGED,
    append_event,
)
from routines.requests.deadlines import add_business_days, one_month_after
from routines.requests.models import KINDS, VIAS, RightsRequest
from routines.schedule.rules import local_date
from storage.clock import as_utc
from storage.inserts import insert_once
from storage.people import Person, person_key_for
from storage.sessions import read_session, transaction

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed back
REF_MAX = 64


class RequestError(ValueError):
    """Input the register refuses (unknown kind, a date in the future, ...); one line."""


@dataclass(frozen=True)
class RequestView:
    """One request as chat, CLI, reports and reminders see it."""

    code: str
    client_id: str
    kind: str
    client_ref: str | None
    received_on: date
    forward_by: date
    respond_by: date
    registered_at: datetime
    registered_by: str | None
    platform: str
    forwarded_at: datetime | None
    forwarded_by: str | None
    forwarded_via: str | None
    stage: int

    @property
    def forwarded(self) -> bool:
        return self.forwarded_at is not None

    def forwarded_on(self, timezone: str) -> date | None:
        return local_date(self.forwarded_at, timezone) if self.forwarded_at else None

    def late(self, today: date, timezone: str) -> bool:
        """Forwarded after its promised day, or still open after it."""
        done = self.forwarded_on(timezone)
        return (done or today) > self.forward_by


def view(row: RightsRequest) -> RequestView:
    return RequestView(
        code=row.code,
        client_id=row.client_id,
        kind=row.kind,
        client_ref=row.client_ref,
        received_on=row.received_on,
        forward_by=row.forward_by,
        respond_by=row.respond_by,
        registered_at=as_utc(row.registered_at),
        registered_by=row.registered_by,
        platform=row.platform,
        forwarded_at=as_utc(row.forwarded_at) if row.forwarded_at else None,
        forwarded_by=row.forwarded_by,
        forwarded_via=row.forwarded_via,
        stage=row.stage,
    )


@dataclass(frozen=True)
class Registered:
    request: RequestView
    created: bool  # False: the same registration was recorded before (a double click)


ForwardResult = Literal["forwarded", "already", "unknown"]


@dataclass(frozen=True)
class Forwarded:
    result: ForwardResult
    request: RequestView | None
    late: bool = False


def dedupe_key(*parts: str) -> str:
    """A registration's identity from what repeats of it share (e.g. the clicked message)."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))


class RequestRegister:
    """The register over a session factory; `timezone` says what "today" is."""

    def __init__(
        self, sessions: sessionmaker[Session], *, timezone: str, keep_years: int | None = None
    ) -> None:
        """`keep_years` (GDPRBOT_REQUESTS_YEARS): a request received before that is refused,
        since the daily purge would delete its row at once."""
        self._sessions = sessions
        self.timezone = timezone
        self.keep_years = keep_years

    def today(self, now: datetime) -> date:
        return local_date(now, self.timezone)

    def register(
        self,
        *,
        client_id: str,
        kind: str,
        received_on: date,
        business_days: int,
        now: datetime,
        actor: Actor | None,
        client_ref: str | None = None,
        dedupe: str | None = None,
    ) -> Registered:
        """Record one request (once per `dedupe` key) and its `request.registered` entry.

        `actor` None: registered from the command line (no person). Raises `RequestError`
        for an unknown kind, a receipt date after today, or an over-long reference.
        """
        if kind not in KINDS:
            raise RequestError(f"unknown request type {kind!r} (one of {', '.join(KINDS)})")
        if received_on > self.today(now):
            raise RequestError(f"received date {received_on.isoformat()} is in the future")
        if self.keep_years is not None and received_on < purge_cutoff(
            self.today(now), self.keep_years
        ):
            raise RequestError(
                f"received date {received_on.isoformat()} is more than {self.keep_years} "
                "years ago (GDPRBOT_REQUESTS_YEARS): the register keeps no request that old"
            )
        ref = (client_ref or "").strip() or None
        if ref is not None and len(ref) > REF_MAX:
            raise RequestError(f"reference longer than {REF_MAX} characters")
        forward_by = add_business_days(received_on, business_days)
        with transaction(self._sessions) as session:
            person = _person(session, actor, now)
            if dedupe is not None:
                existing = session.scalar(
                    select(RightsRequest).where(RightsRequest.dedupe_key == dedupe)
                )
                if existing is not None:
                    return Registered(view(existing), created=False)
            values = {
                "dedupe_key": dedupe,
                "client_id": client_id,
                "kind": kind,
                "client_ref": ref,
                "received_on": received_on,
                "forward_by": forward_by,
                "respond_by": one_month_after(received_on),
                "registered_at": as_utc(now),
                "registered_by": person,
                "platform": actor.platform if actor else "cli",
                "stage": 0,
            }
            for _attempt in range(5):  # a code collision is rare; a dedupe race ends it
                new_id = insert_once(session, RightsRequest, {**values, "code": _new_code()})
                if new_id is not None:
                    break
                if dedupe is not None:
                    existing = session.scalar(
                        select(RightsRequest).where(RightsRequest.dedupe_key == dedupe)
                    )
                    if existing is not None:
                        return Registered(view(existing), created=False)
            else:
                raise RuntimeError("could not allocate a request code")
            row = session.get(RightsRequest, new_id)
            assert row is not None
            append_event(
                session,
                REQUEST_REGISTERED,
                {
                    "request": row.code,
                    "client": client_id,
                    "kind": kind,
                    "received": received_on,
                    "forward_by": forward_by,
                    "person_key": person,
                },
                now,
            )
            return Registered(view(row), created=True)

    def forward(
        self, code: str, *, now: datetime, actor: Actor | None, via: str | None = None
    ) -> Forwarded:
        """Mark a request forwarded (once): `already` when it was, `unknown` for no such code."""
        if via is not None and via not in VIAS:
            raise RequestError(f"unknown way of forwarding {via!r} (one of {', '.join(VIAS)})")
        with transaction(self._sessions) as session:
            row = session.scalar(
                select(RightsRequest).where(RightsRequest.code == code.strip().lower())
            )
            if row is None:
                return Forwarded("unknown", None)
            person = _person(session, actor, now)
            done = session.execute(
                update(RightsRequest)
                .where(RightsRequest.id == row.id, RightsRequest.forwarded_at.is_(None))
                .values(forwarded_at=as_utc(now), forwarded_by=person, forwarded_via=via)
            ).rowcount  # type: ignore[attr-defined]
            session.refresh(row)
            request = view(row)
            if not done:
                return Forwarded("already", request)
            late = request.late(self.today(now), self.timezone)
            append_event(
                session,
                REQUEST_FORWARDED,
                {
                    "request": row.code,
                    "client": row.client_id,
                    "via": via,
                    "late": late,
                    "person_key": person,
                },
                now,
            )
            return Forwarded("forwarded", request, late=late)

    def get(self, code: str) -> RequestView | None:
        with read_session(self._sessions) as session:
            row = session.scalar(
                select(RightsRequest).where(RightsRequest.code == code.strip().lower())
            )
            return view(row) if row else None

    def registrant(self, code: str) -> tuple[str, str] | None:
        """(platform, user id) of the person who registered the request; None when it came
        from the command line or that person was erased."""
        with read_session(self._sessions) as session:
            person = session.scalar(
                select(Person)
                .join(RightsRequest, RightsRequest.registered_by == Person.person_key)
                .where(RightsRequest.code == code.strip().lower())
            )
            if person is None or person.erased_at is not None or not person.platform_user_id:
                return None
            return person.platform, person.platform_user_id

    def received_between(
        self, start: date, end: date, client_ids: Iterable[str] | None = None
    ) -> list[RequestView]:
        """Requests received from `start` to `end` (inclusive), oldest first."""
        query = select(RightsRequest).where(
            RightsRequest.received_on >= start, RightsRequest.received_on <= end
        )
        if client_ids is not None:
            query = query.where(RightsRequest.client_id.in_(sorted(set(client_ids))))
        with read_session(self._sessions) as session:
            rows = session.scalars(query.order_by(RightsRequest.received_on, RightsRequest.id))
            return [view(row) for row in rows]

    def open_requests(self, client_ids: Iterable[str] | None = None) -> list[RequestView]:
        """Requests not yet forwarded, the most urgent first."""
        query = select(RightsRequest).where(RightsRequest.forwarded_at.is_(None))
        if client_ids is not None:
            query = query.where(RightsRequest.client_id.in_(sorted(set(client_ids))))
        with read_session(self._sessions) as session:
            rows = session.scalars(query.order_by(RightsRequest.forward_by, RightsRequest.id))
            return [view(row) for row in rows]


def requests_of(session: Session, person_key: str) -> list[dict[str, object]]:
    """The register rows a person registered or forwarded, for a register extract."""
    rows = session.scalars(
        select(RightsRequest)
        .where(
            (RightsRequest.registered_by == person_key) | (RightsRequest.forwarded_by == person_key)
        )
        .order_by(RightsRequest.id)
    )
    return [
        {
            "code": r.code,
            "client": r.client_id,
            "type": r.kind,
            "received": r.received_on.isoformat(),
            "registered_by_you": r.registered_by == person_key,
            "forwarded_by_you": r.forwarded_by == person_key,
            "forwarded_at": as_utc(r.forwarded_at).isoformat() if r.forwarded_at else None,
        }
        for r in rows
    ]


def _person(session: Session, actor: Actor | None, now: datetime) -> str | None:
    if actor is None:
        return None
    return person_key_for(
        session,
        actor.platform,
        actor.user_id,
        now,
        display_name=actor.display_name,
        email=actor.email,
    )


def purge_cutoff(today: date, years: int) -> date:
    """Requests received before this day are purged (and not registered)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def purge_requests(session: Session, *, now: datetime, years: int, timezone: str) -> int:
    """Delete register rows received more than `years` years ago (GDPRBOT_REQUESTS_YEARS).

    Open requests go too: a request years old is no longer anyone's duty. The ledger keeps
    its entries (they name no one but opaque keys); one `requests.purged` entry says how
    many rows went and up to which receipt date.
    """
    cutoff = purge_cutoff(local_date(now, timezone), years)
    count = session.scalar(
        select(func.count()).select_from(RightsRequest).where(RightsRequest.received_on < cutoff)
    )
    if not count:
        return 0
    session.execute(delete(RightsRequest).where(RightsRequest.received_on < cutoff))
    append_event(session, REQUESTS_PURGED, {"count": int(count), "received_before": cutoff}, now)
    return int(count)
