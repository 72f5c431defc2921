"""The click path, grouped: many concurrent confirmation clicks share their transactions.

A burst of clicks used to cost one transaction each for "who may act on this
occurrence" and one for "record the confirmation": a commit per click, and the ledger
head (one row, locked by every append) held from each click's append to its commit. Here
both go through a group commit (`storage.group_commit`): the clicks that arrive while one
transaction runs are done together in the next, so a burst pays one commit and one head
lock per group, and a lone click waits for nothing.

Locks are taken in one order in every group: the people rows (sorted by platform id),
then the occurrences (by id), then the ledger head, last, just before the commit. So two
replicas' groups cannot deadlock each other, and the head is held for one insert. A group
that fails anyway (a deadlock with other work, a bug in one click) is retried one click
at a time, so one bad click never fails the others. Every confirmation is still recorded
once: a double click in the same group finds the first one's row (same session), across
groups or replicas the unique key decides, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.catalog import Catalog
from routines.engine import acknowledgements as ack
from routines.engine.models import Confirmation, Occurrence
from routines.engine.planning import Post, enqueue_updates, posts_of
from storage.clock import DEFAULT_TIMEZONE, aware_utc
from storage.group_commit import GroupCommit
from storage.inserts import insert_new, insert_once
from storage.people import display_name_of, people_for
from storage.sessions import transaction

log = logging.getLogger(__name__)

# Groups recorded at once per process: each holds its rows only until its commit and takes
# the ledger head last, so they overlap their round trips to the database without
# queueing on one lock; more would take the threads other work needs.
CONFIRM_WORKERS = 3
ANSWER_KEY = ("occurrence_id", "person_key")  # a confirmation's unique key


@dataclass(frozen=True)
class Audience:
    """Who may act on an occurrence: anyone in its channels, or only its named assignees."""

    occurrence_id: int
    routine_id: str
    anyone_in_channel: bool
    channels: tuple[tuple[str, str], ...]  # (platform, channel id) it is posted to


@dataclass(frozen=True)
class ConfirmRequest:
    """One confirmation click (or `ack <code>`): who, what, when, and the message it sat on."""

    occurrence_id: int
    actor: ack.Actor
    now: datetime
    note: str | None = None
    message_id: str | None = None  # the clicked message: replaced, not queued for an update


def decide_in(
    session: Session,
    catalog: Catalog,
    request: ConfirmRequest,
    *,
    key: str | None = None,
    locked: bool = False,
    answers: ack.Answers | None = None,
) -> ack.Outcome | ack.Decided:
    """`confirm_in` up to the insert of the confirmation: an outcome that records nothing,
    or the row to insert (`acknowledgements.decide`)."""
    if locked:  # in the session already: no query
        occurrence = session.get(Occurrence, request.occurrence_id)
        routine_id = occurrence.routine_id if occurrence else None
    else:
        routine_id = session.scalar(
            select(Occurrence.routine_id).where(Occurrence.id == request.occurrence_id)
        )
    routine = catalog.get(routine_id) if routine_id else None
    if routine is not None and routine.kind == "training":
        return ack.Outcome("needs_quiz", request.occurrence_id, routine.id)
    return ack.decide(
        session, request.occurrence_id, request.actor, aware_utc(request.now),
        note=request.note, evidence=routine.evidence if routine else "none",
        timezone=routine.timezone if routine else DEFAULT_TIMEZONE,
        key=key, locked=locked, answers=answers,
    )  # fmt: skip


def finish_in(
    session: Session,
    request: ConfirmRequest,
    outcome: ack.Outcome,
    posts: Mapping[int, Sequence[Post]] | None = None,
) -> ack.Outcome:
    """`confirm_in` after the insert: on closing, queue an update of the occurrence's
    other posts; a recorded outcome gets the recorder's name for the reply."""
    if outcome.result == "completed":
        enqueue_updates(
            session, request.occurrence_id, aware_utc(request.now),
            skip_message=request.message_id,
            posts=None if posts is None else posts.get(request.occurrence_id, ()),
        )  # fmt: skip
    if outcome.recorded and outcome.person_key:
        # Usually the row person_key_for just read: no query.
        outcome = replace(outcome, who=display_name_of(session, outcome.person_key))
    return outcome


def confirm_in(
    session: Session,
    catalog: Catalog,
    request: ConfirmRequest,
    *,
    key: str | None = None,
    locked: bool = False,
    deferred: list[tuple[str, dict[str, Any], datetime]] | None = None,
    answers: ack.Answers | None = None,
    posts: Mapping[int, Sequence[Post]] | None = None,
) -> ack.Outcome:
    """Record one confirmation in the caller's transaction; on closing, queue an update of
    the occurrence's other posts. The outcome carries the recorder's name for the reply.
    `key`, `locked`, `deferred`, `answers`: see `acknowledgements.confirm`; `posts`: the
    occurrences' posts, read already (`posts_of`): a group's shortcuts."""
    decided = decide_in(session, catalog, request, key=key, locked=locked, answers=answers)
    if isinstance(decided, ack.Outcome):
        return decided
    inserted = insert_once(session, Confirmation, decided.values) is not None
    return finish_in(session, request, ack.record(session, decided, inserted, deferred), posts)


class Clicks:
    """Audiences read and confirmations recorded for concurrent clicks, a group at a time."""

    def __init__(self, factory: sessionmaker[Session], catalog: Catalog) -> None:
        self.factory = factory
        self.catalog = catalog
        self._confirms: GroupCommit[ConfirmRequest, ack.Outcome | Exception] = GroupCommit(
            self._confirm_all, workers=CONFIRM_WORKERS, name="confirm"
        )
        self._audiences: GroupCommit[int, Audience | None] = GroupCommit(
            self.audiences_of, name="audience"
        )

    # --- who may act: one query for every click waiting --------------------------------

    async def audience(self, occurrence_id: int) -> Audience | None:
        """Who an occurrence is for, for the policy (None: no such occurrence or routine)."""
        return await self._audiences.submit(occurrence_id)

    def audiences_of(self, ids: list[int]) -> list[Audience | None]:
        with transaction(self.factory) as session:
            found = {
                int(oid): (str(routine_id), bool(anyone))
                for oid, routine_id, anyone in session.execute(
                    select(Occurrence.id, Occurrence.routine_id, Occurrence.anyone_in_channel)
                    .where(Occurrence.id.in_(set(ids)))
                )
            }  # fmt: skip
        return [self._audience(oid, found.get(oid)) for oid in ids]

    def _audience(self, occurrence_id: int, row: tuple[str, bool] | None) -> Audience | None:
        routine = self.catalog.get(row[0]) if row else None
        if row is None or routine is None:
            return None
        channels = tuple((t.platform, t.address) for t in routine.post_to if t.kind == "channel")
        return Audience(occurrence_id, routine.id, row[1], channels)

    # --- confirming: one transaction, one ledger-head lock per group --------------------

    async def confirm(self, request: ConfirmRequest) -> ack.Outcome:
        result = await self._confirms.submit(request)
        if isinstance(result, Exception):
            raise result
        return result

    def _confirm_all(self, batch: list[ConfirmRequest]) -> list[ack.Outcome | Exception]:
        try:
            return list(self._together(batch))
        except Exception as exc:
            if len(batch) == 1:
                return [exc]
            log.warning("a group of confirmations failed; each is tried alone",
                        extra={"count": len(batch), "error": type(exc).__name__})  # fmt: skip
        results: list[ack.Outcome | Exception] = []
        for one in batch:
            try:
                results.extend(self._together([one]))
            except Exception as exc:
                results.append(exc)
        return results

    def _together(self, batch: list[ConfirmRequest]) -> list[ack.Outcome]:
        """One transaction for the group, in a fixed number of statements (the clicks'
        confirmations are one insert; a later click on an occurrence already in the
        group adds its own few)."""
        with transaction(self.factory) as session:
            latest = max(aware_utc(r.now) for r in batch)
            decidable = self._decidable(session, batch)
            # The rows are held (people, occurrences) until the commit: the session keeps
            # only what is referenced, and each click reads them again by key.
            people = people_for(
                session,
                [(r.actor.platform, r.actor.user_id, r.actor.display_name, r.actor.email)
                 for r in batch if r.occurrence_id in decidable],
                latest,
            )  # fmt: skip
            keys = {key: person.person_key for key, person in people.items()}
            session.flush()  # the people rows, locked in one order, before any occurrence
            ids = sorted({r.occurrence_id for r in batch})
            occurrences = session.scalars(  # lock and load the group's, in id order
                select(Occurrence).where(Occurrence.id.in_(ids)).order_by(Occurrence.id)
                .with_for_update()
            ).all()  # fmt: skip
            # Once they are locked: their answers so far and their posts, one query each
            # instead of one each per click.
            answers = {
                (a.occurrence_id, a.person_key): a
                for a in session.scalars(
                    select(Confirmation).where(Confirmation.occurrence_id.in_(ids))
                )
            }
            posts = posts_of(session, ids)
            deferred: list[tuple[str, dict[str, Any], datetime]] = []
            outcomes: dict[int, ack.Outcome] = {}
            # No flush before each click's insert: the occurrences the clicks close are
            # written together at the end (one UPDATE for the group, not one round trip
            # and one unit of work per click). Nothing in the loop reads them back but
            # through the session, which has them (locked and loaded above).
            with session.no_autoflush:
                self._record(session, batch, keys, answers, posts, deferred, outcomes)
            if deferred:  # nothing recorded: the head stays unlocked
                ledger.append_timed(session, sorted(deferred, key=lambda entry: entry[2]))
            del people, occurrences  # held until here
            return [outcomes[index] for index in range(len(batch))]

    def _record(
        self,
        session: Session,
        batch: list[ConfirmRequest],
        keys: Mapping[tuple[str, str], str],
        answers: ack.Answers,
        posts: Mapping[int, Sequence[Post]],
        deferred: list[tuple[str, dict[str, Any], datetime]],
        outcomes: dict[int, ack.Outcome],
    ) -> None:
        """Each occurrence's first click of the group is decided, then all their rows are
        inserted in one statement; a later click on an occurrence already in the group
        (a double click, a colleague) goes after them one at a time, so it sees what the
        first did: its row (an insert that conflicts: "already"), the occurrence closed."""
        firsts: dict[int, int] = {}  # occurrence -> the index of its first click
        later: list[int] = []
        decided: dict[int, ack.Decided] = {}
        for index in sorted(range(len(batch)), key=lambda i: batch[i].occurrence_id):
            request = batch[index]
            if request.occurrence_id in firsts:
                later.append(index)
                continue
            firsts[request.occurrence_id] = index
            found = decide_in(
                session, self.catalog, request, locked=True, answers=answers,
                key=keys.get((request.actor.platform, request.actor.user_id)),
            )  # fmt: skip
            if isinstance(found, ack.Outcome):
                outcomes[index] = found
            else:
                decided[index] = found
        new = insert_new(
            session, Confirmation, [one.values for one in decided.values()], ANSWER_KEY
        )
        for index, one in decided.items():
            inserted = (one.occurrence.id, one.key) in new
            outcome = ack.record(session, one, inserted, deferred)
            outcomes[index] = finish_in(session, batch[index], outcome, posts)
        for index in later:
            request = batch[index]
            outcomes[index] = confirm_in(
                session, self.catalog, request, deferred=deferred, locked=True,
                key=keys.get((request.actor.platform, request.actor.user_id)),
                answers=answers, posts=posts,
            )  # fmt: skip

    def _decidable(self, session: Session, batch: list[ConfirmRequest]) -> set[int]:
        """The group's occurrences that exist and take a click (not a training campaign's,
        which takes a quiz): only their clickers get a person row, as on the one-click
        path, so a click on nothing stores nothing about the clicker (minimal data)."""
        rows = session.execute(
            select(Occurrence.id, Occurrence.routine_id).where(
                Occurrence.id.in_({r.occurrence_id for r in batch})
            )
        )
        return {
            int(oid) for oid, routine_id in rows
            if (routine := self.catalog.get(routine_id)) is None or routine.kind != "training"
        }  # fmt: skip
