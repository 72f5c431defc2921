"""`EvidenceViews`: the read model behind the officers' web pages, one call per page.

Each method reads one consistent snapshot (`read_session`: on SQLite a deferred
transaction that never holds up a confirmation) and returns frozen values; the web layer
decides who may see what and passes the visible routine ids in (`routines`, None for
every routine). The only write is `record_sign_in`, a ledger entry per web sign-in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.catalog import Catalog
from routines.reports import dashboard, occurrence_view
from routines.reports.adherence import Period, RoutineInfo, routine_infos
from routines.reports.dashboard import Overview, RoutineRow, TeamRow
from routines.reports.occurrence_view import EntryView, OccurrenceDetail, OccurrencePage
from storage.clock import DEFAULT_TIMEZONE, as_utc
from storage.sessions import read_session, transaction

Titles = Callable[[str], Mapping[str, RoutineInfo]]


class EvidenceViews:
    def __init__(
        self,
        factory: sessionmaker[Session],
        catalog: Catalog | None,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        titles: Titles | None = None,
    ) -> None:
        """`titles(lang)` overrides the routine titles and teams taken from `catalog`."""
        self._factory = factory
        self._catalog = catalog
        self._timezone = timezone
        self._titles = titles
        self._clock = occurrence_view.Clock(timezone)
        self._infos: dict[str, Mapping[str, RoutineInfo]] = {}

    @property
    def timezone(self) -> str:
        return self._timezone

    def today(self, now: datetime) -> date:
        return as_utc(now).astimezone(ZoneInfo(self._timezone)).date()

    def titles(self, lang: str) -> Mapping[str, RoutineInfo]:
        """Routine id -> title in `lang` and team (its first channel), from the catalogue."""
        if self._titles is not None:
            return self._titles(lang)
        if lang not in self._infos:
            self._infos[lang] = routine_infos(self._catalog, lang) if self._catalog else {}
        return self._infos[lang]

    def local_time(self, moment: datetime | None) -> str:
        return self._clock.local(moment)

    # --- pages ------------------------------------------------------------------------

    def overview(
        self, now: datetime, lang: str, routines: Collection[str] | None = None
    ) -> Overview:
        with read_session(self._factory) as session:
            return dashboard.overview(session, self.today(now), self.titles(lang), routines)

    def routine_rows(
        self, period: Period, now: datetime, lang: str, routines: Collection[str] | None = None
    ) -> list[RoutineRow]:
        with read_session(self._factory) as session:
            return dashboard.routine_rows(
                session, period, self.today(now), self.titles(lang), routines
            )

    def team_rows(
        self, period: Period, now: datetime, lang: str, routines: Collection[str] | None = None
    ) -> list[TeamRow]:
        return dashboard.team_rows(self.routine_rows(period, now, lang, routines))

    def occurrences(
        self,
        now: datetime,
        lang: str,
        *,
        routines: Collection[str] | None = None,
        period: Period | None = None,
        outcome: str | None = None,
        overdue: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> OccurrencePage:
        with read_session(self._factory) as session:
            return occurrence_view.list_occurrences(
                session, today=self.today(now), infos=self.titles(lang), clock=self._clock,
                routines=routines, period=period, outcome=outcome, overdue=overdue,
                limit=limit, offset=offset,
            )  # fmt: skip

    def routine_of(self, occurrence_id: int) -> str | None:
        with read_session(self._factory) as session:
            return occurrence_view.routine_of(session, occurrence_id)

    def occurrence(self, occurrence_id: int, now: datetime, lang: str) -> OccurrenceDetail | None:
        with read_session(self._factory) as session:
            return occurrence_view.occurrence_detail(
                session, occurrence_id, today=self.today(now), infos=self.titles(lang),
                clock=self._clock, lang=lang,
            )  # fmt: skip

    def ledger_entry(self, seq: int) -> EntryView | None:
        with read_session(self._factory) as session:
            return occurrence_view.ledger_entry(session, seq, self._clock)

    # --- the one write ----------------------------------------------------------------

    def record_sign_in(self, person_key: str, *, via: str, role: str, now: datetime) -> int:
        """A `web.signed_in` ledger entry (who, how the link came, as what); its seq."""
        with transaction(self._factory) as session:
            entry = ledger.append_event(
                session,
                ledger.WEB_SIGNED_IN,
                {"person_key": person_key, "via": via, "role": role},
                now,
            )
            return entry.seq
