"""Report use cases for the chat: who asked (by person key), the export with its summary of
what is missing, the record of a refusal, and what is overdue for an officer or a lead.

Each method is one unit of work and takes `now`; the chat feature decides roles and
words, this module touches the database and the ledger.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.catalog import Catalog
from routines.engine.acknowledgements import Actor
from routines.reports.adherence import Period, RoutineInfo, Scope, routine_infos
from routines.reports.export import Exported, Shortfall, export_report
from routines.reports.formats import Format
from routines.reports.overdue import Overdue, assigned_routines, overdue_occurrences
from routines.reports.training import training_report
from routines.reports.training_formats import TrainingExport, TrainingFormat, export_training
from storage.clock import DEFAULT_TIMEZONE, as_utc
from storage.people import person_key_for
from storage.sessions import read_session, transaction

Titles = Callable[[str], Mapping[str, RoutineInfo]]


@dataclass(frozen=True)
class ChatReport:
    """A report exported for someone in chat: the file, its summary and its shortfall."""

    scope: Scope
    exported: Exported
    content: bytes
    shortfall: Shortfall
    exporter: str  # the officer's person key


class ReportService:
    def __init__(
        self,
        factory: sessionmaker[Session],
        catalog: Catalog | None,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        titles: Titles | None = None,
        organisation: str = "",
    ) -> None:
        """`titles(lang)` overrides the routine titles and teams taken from `catalog`."""
        self._organisation = organisation
        self._factory = factory
        self._catalog = catalog
        self._timezone = timezone
        self._titles = titles

    def today(self, now: datetime) -> date:
        """The installation's local date at `now`."""
        return as_utc(now).astimezone(ZoneInfo(self._timezone)).date()

    def titles(self, lang: str) -> Mapping[str, RoutineInfo]:
        if self._titles is not None:
            return self._titles(lang)
        return routine_infos(self._catalog, lang) if self._catalog else {}

    def person_key(self, actor: Actor, now: datetime) -> str:
        with transaction(self._factory) as session:
            return self._key(session, actor, now)

    def record_refusal(self, actor: Actor, command: str, now: datetime) -> str:
        """Someone without the role asked: a `report.refused` ledger entry; their key."""
        with transaction(self._factory) as session:
            key = self._key(session, actor, now)
            ledger.append_event(
                session,
                ledger.REPORT_REFUSED,
                {"person_key": key, "command": command, "platform": actor.platform},
                now,
            )
        return key

    def export(
        self, actor: Actor, period: Period, fmt: Format, lang: str, now: datetime
    ) -> ChatReport:
        """Export the report in memory (recorded in the ledger under the actor's key)."""
        exporter = self.person_key(actor, now)
        scope = Scope(
            period=period, now=now, timezone=self._timezone, lang=lang, routines=self.titles(lang),
            organisation=self._organisation, author=actor.display_name or exporter,
        )  # fmt: skip
        out = io.BytesIO()
        shortfall = Shortfall()
        exported = export_report(
            self._factory, scope, fmt, out, who=exporter, now=now, observe=shortfall
        )
        return ChatReport(scope, exported, out.getvalue(), shortfall, exporter)

    def training_routines(self) -> tuple[str, ...]:
        """The ids of the catalogue's training campaigns (routines of kind `training`)."""
        if self._catalog is None:
            return ()
        return tuple(r.id for r in self._catalog.routines if r.kind == "training")

    def export_training(
        self,
        actor: Actor,
        period: Period,
        fmt: TrainingFormat,
        lang: str,
        now: datetime,
        routine_ids: Collection[str] | None = None,
    ) -> tuple[TrainingExport, str]:
        """The training report of `routine_ids` (None: every campaign), recorded in the
        ledger under the actor's key; the export and that key."""
        exporter = self.person_key(actor, now)
        catalog = self._catalog or Catalog(())
        with read_session(self._factory) as session:
            report = training_report(session, catalog, period, self.today(now), routine_ids)
        exported = export_training(self._factory, report, fmt, lang, who=exporter, now=now,
                                   routine_ids=routine_ids)  # fmt: skip
        return exported, exporter

    def overdue(self, actor: Actor, now: datetime, *, officer: bool) -> list[Overdue] | None:
        """Everything overdue for an officer; for anyone else only the routines they are
        assigned or escalated to, and None when there are none (not their business)."""
        with transaction(self._factory) as session:
            key = self._key(session, actor, now)
            routines = None if officer else self._led_by(actor) | assigned_routines(session, key)
            if routines is not None and not routines:
                return None
            return overdue_occurrences(session, self.today(now), routines)

    def _led_by(self, actor: Actor) -> set[str]:
        """Routine ids in the catalogue assigned or escalated to this person."""
        if self._catalog is None:
            return set()
        ids = {actor.user_id.lower()} | ({actor.email.lower()} if actor.email else set())
        owned = set()
        for routine in self._catalog.routines:
            targets = list(routine.assignees.people)
            if routine.escalate is not None:
                targets.extend(routine.escalate.to)
            if any(
                target.kind == "person"
                and target.platform == actor.platform
                and target.address.lower() in ids
                for target in targets
            ):
                owned.add(routine.id)
        return owned

    @staticmethod
    def _key(session: Session, actor: Actor, now: datetime) -> str:
        return person_key_for(
            session,
            actor.platform,
            actor.user_id,
            now,
            display_name=actor.display_name,
            email=actor.email,
        )
