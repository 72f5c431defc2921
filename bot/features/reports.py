"""Chat commands for compliance: `report [period]` / `rapport [period]`, `overdue` / `försenade`.

Roles come from settings and the catalogue: compliance officers are listed in
`GDPRBOT_COMPLIANCE_OFFICERS` (Slack user ids, Teams AAD object ids or e-mail addresses);
team leads are the people a routine is assigned or escalated to. Everyone else who asks
for a report gets a polite private refusal, and the attempt is recorded (a ledger entry
and a log line with the opaque person key, never a name).

The officer gets a summary in chat (rates per routine, what is missing, who to chase)
and the detail file: as an attachment (Slack uploads it to the officer's DM), or in
Teams as a 15-minute signed link to the bot's own `/reports/<token>` route.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.i18n import add_strings, t
from bot.chat.messages import Attachment, Incoming, Reply
from bot.records.report_links import link_url, store_report
from routines import ledger
from routines.catalog import Catalog
from routines.engine import models as m
from routines.reports.adherence import (
    ERASED,
    Period,
    RoutineInfo,
    Scope,
    Summary,
    current_quarter,
    parse_period,
    routine_infos,
)
from routines.reports.details import iter_details
from routines.reports.export import export_report
from routines.reports.formats import FORMATS, MIME, Format
from storage.clock import as_utc
from storage.people import Person, person_key_for
from storage.sessions import read_session, transaction

log = logging.getLogger(__name__)

MAX_LINES: Final = 15

TEXT: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "reports.refused": (
            "Rapporter är bara för dataskyddsombud och compliance. Behöver du en, "
            "kontakta dataskyddsombudet. (Försöket har loggats.)"
        ),
        "reports.overdue_refused": (
            "`försenade` är för dataskyddsombud, compliance och rutinansvariga. "
            "Dina egna rutiner ser du med `rutiner`."
        ),
        "reports.bad_period": "Jag förstår inte perioden: {error}",
        "reports.title": "*Efterlevnadsrapport {period}* (per {today})",
        "reports.total": "Totalt: {rate} i tid ({on_time} av {applicable} tillämpliga) · "
        "{late} sena · {missing} saknas · {na} ej tillämpliga · {pending} pågår",
        "reports.routine": "- {title}: {rate} ({on_time}/{applicable}){extra}",
        "reports.routine_missing": ", {missing} saknas",
        "reports.none": "Inga rutiner under perioden.",
        "reports.missing_title": "*Saknas*",
        "reports.missing_line": "- {title}, {scheduled} (förföll {due})",
        "reports.chase_title": "*Att påminna*",
        "reports.chase_line": "- {name}: {count}",
        "reports.more": "… och {count} till",
        "reports.file": "Underlaget finns i filen {filename}.",
        "reports.link": "Ladda ner underlaget (länken gäller i 15 minuter, bara för dig).",
        "reports.overdue_title": "*Försenade rutiner just nu* ({count})",
        "reports.overdue_none": "Inget är försenat just nu. 👍",
        "reports.overdue_line": "- {title}, förföll {due} ({days} dagar){waiting}",
        "reports.waiting": ": väntar på {names}",
    },
    "en": {
        "reports.refused": (
            "Reports are for the data protection officer and compliance only. If you need "
            "one, please contact the DPO. (The attempt has been logged.)"
        ),
        "reports.overdue_refused": (
            "`overdue` is for the DPO, compliance and routine owners. "
            "See your own routines with `routines`."
        ),
        "reports.bad_period": "I do not understand the period: {error}",
        "reports.title": "*Adherence report {period}* (as of {today})",
        "reports.total": "Total: {rate} on time ({on_time} of {applicable} applicable) · "
        "{late} late · {missing} missing · {na} not applicable · {pending} pending",
        "reports.routine": "- {title}: {rate} ({on_time}/{applicable}){extra}",
        "reports.routine_missing": ", {missing} missing",
        "reports.none": "No routines in the period.",
        "reports.missing_title": "*Missing*",
        "reports.missing_line": "- {title}, {scheduled} (due {due})",
        "reports.chase_title": "*Who to chase*",
        "reports.chase_line": "- {name}: {count}",
        "reports.more": "… and {count} more",
        "reports.file": "The evidence is in the file {filename}.",
        "reports.link": "Download the evidence (the link works for 15 minutes, only for you).",
        "reports.overdue_title": "*Overdue routines right now* ({count})",
        "reports.overdue_none": "Nothing is overdue right now. 👍",
        "reports.overdue_line": "- {title}, due {due} ({days} days){waiting}",
        "reports.waiting": ": waiting for {names}",
    },
}


add_strings(TEXT)


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    fmt: Format


def parse_request(args: str, today: date) -> ReportRequest:
    """`[period] [format]` in any order; the current quarter and CSV by default."""
    period: Period | None = None
    fmt: Format = "csv"
    for word in args.split():
        if word.lower() in FORMATS:
            fmt = cast(Format, word.lower())
        elif period is None:
            period = parse_period(word)
        else:
            raise ValueError(f"unexpected {word!r}")
    return ReportRequest(period or current_quarter(today), fmt)


class ReportFeature:
    """The `report`/`rapport` and `overdue`/`försenade` commands (a `ChatFeature`)."""

    name = "reports"
    action_prefixes: tuple[str, ...] = ()

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        officers: Iterable[str],
        timezone: str = "Europe/Stockholm",
        public_url: str = "",
        catalog: Catalog | None = None,
        titles: Callable[[str], Mapping[str, RoutineInfo]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`titles(lang)` overrides the routine titles/teams taken from `catalog`."""
        self._sessions = sessions
        self._officers = {o.strip().lower() for o in officers if o.strip()}
        self._timezone = timezone
        self._public_url = public_url
        self._catalog = catalog
        self._titles = titles
        self._clock = clock

    def _infos(self, lang: str) -> Mapping[str, RoutineInfo]:
        if self._titles is not None:
            return self._titles(lang)
        return routine_infos(self._catalog, lang) if self._catalog else {}

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        return []

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        if command == "report":
            return await self._report(args, incoming, lang)
        if command == "overdue":
            return await self._overdue(incoming, lang)
        return []

    # --- roles ------------------------------------------------------------------------

    def is_officer(self, incoming: Incoming) -> bool:
        ids = {incoming.user_id.lower()}
        if incoming.email:
            ids.add(incoming.email.strip().lower())
        return bool(ids & self._officers)

    def _lead_of(self, incoming: Incoming) -> set[str]:
        """Routine ids in the catalogue assigned or escalated to this person."""
        if self._catalog is None:
            return set()
        ids = {incoming.user_id.lower()} | ({incoming.email.lower()} if incoming.email else set())
        owned = set()
        for routine in self._catalog.routines:
            targets = list(routine.assignees.people)
            if routine.escalate is not None:
                targets.extend(routine.escalate.to)
            if any(
                tg.kind == "person"
                and tg.platform == incoming.platform
                and tg.address.lower() in ids
                for tg in targets
            ):
                owned.add(routine.id)
        return owned

    def _person_key(self, session: Session, incoming: Incoming, now: datetime) -> str:
        return person_key_for(
            session,
            incoming.platform,
            incoming.user_id,
            now,
            display_name=incoming.display_name,
            email=incoming.email,
        )

    # --- report -----------------------------------------------------------------------

    async def _report(self, args: str, incoming: Incoming, lang: str) -> list[Reply]:
        now = self._clock()
        if not self.is_officer(incoming):
            await asyncio.to_thread(self._record_refusal, incoming, "report", now)
            return [Reply(text=t("reports.refused", lang), private=True)]
        try:
            request = parse_request(args, self._today(now))
        except ValueError as exc:
            return [Reply(text=t("reports.bad_period", lang, error=exc), private=True)]
        return await asyncio.to_thread(self._build_report, request, incoming, lang, now)

    def _record_refusal(self, incoming: Incoming, command: str, now: datetime) -> None:
        with transaction(self._sessions) as session:
            key = self._person_key(session, incoming, now)
            ledger.append_event(
                session,
                ledger.REPORT_REFUSED,
                {"person_key": key, "command": command, "platform": incoming.platform},
                now,
            )
        log.info(
            "report refused: not a compliance officer",
            extra={"platform": incoming.platform, "person_key": key, "command": command},
        )

    def _scope(self, period: Period, now: datetime, lang: str) -> Scope:
        return Scope(
            period=period, now=now, timezone=self._timezone, lang=lang, routines=self._infos(lang)
        )

    def _build_report(
        self, request: ReportRequest, incoming: Incoming, lang: str, now: datetime
    ) -> list[Reply]:
        with transaction(self._sessions) as session:
            officer_key = self._person_key(session, incoming, now)
        scope = self._scope(request.period, now, lang)
        out = io.BytesIO()
        exported = export_report(self._sessions, scope, request.fmt, out, who=officer_key, now=now)
        log.info(
            "report exported",
            extra={"person_key": officer_key, "period": scope.period.label, "format": request.fmt},
        )
        summary_text = self._summary_text(exported.summary, scope, lang)
        filename = f"gdpr-report-{scope.period.label.replace('..', '_')}.{request.fmt}"
        attachment = Attachment(filename, out.getvalue(), MIME[request.fmt], title=filename)
        replies = [Reply(text=summary_text, private=True)]
        if incoming.platform == "teams" and self._public_url:
            with transaction(self._sessions) as session:
                token = store_report(
                    session,
                    person_key=officer_key,
                    filename=filename,
                    mime_type=MIME[request.fmt],
                    content=attachment.content,
                    now=now,
                )
            replies.append(
                Reply(
                    text=t("reports.link", lang),
                    private=True,
                    link=link_url(self._public_url, token),
                    attachment=Attachment(filename, b"", MIME[request.fmt], title=filename),
                )
            )
        else:
            replies.append(
                Reply(
                    text=t("reports.file", lang, filename=filename),
                    private=True,
                    attachment=attachment,
                )
            )
        return replies

    def _summary_text(self, summary: Summary, scope: Scope, lang: str) -> str:
        total = summary.total
        lines = [
            t("reports.title", lang, period=scope.period.label, today=scope.today.isoformat()),
            t("reports.total", lang, rate=_pct(total.rate), on_time=total.on_time,
                applicable=total.applicable, late=total.late, missing=total.missing,
                na=total.not_applicable, pending=total.pending,
            ),
        ]  # fmt: skip
        if not summary.routines:
            lines.append(t("reports.none", lang))
        for fig in summary.routines:
            tally = fig.tally
            extra = (
                t("reports.routine_missing", lang, missing=tally.missing) if tally.missing else ""
            )
            lines.append(
                t("reports.routine", lang, title=fig.title, rate=_pct(tally.rate),
                    on_time=tally.on_time, applicable=tally.applicable, extra=extra,
                )
            )  # fmt: skip
        missing, chase = self._missing_and_chase(scope)
        if missing:
            lines += ["", t("reports.missing_title", lang), *_capped(missing, lang)]
        if chase:
            lines += ["", t("reports.chase_title", lang)]
            chase_lines = [
                t("reports.chase_line", lang, name=n, count=c) for n, c in chase.most_common()
            ]
            lines += _capped(chase_lines, lang)
        return "\n".join(lines)

    def _missing_and_chase(self, scope: Scope) -> tuple[list[str], Counter[str]]:
        """Missing occurrences (one line each) and unconfirmed people on them, by name."""
        lines: list[str] = []
        chase: Counter[str] = Counter()
        erased = set(ERASED.values())
        seen: set[int] = set()
        with read_session(self._sessions) as session:
            for row in iter_details(session, scope):
                if row.outcome != "missing":
                    continue
                if row.occurrence_id not in seen:
                    seen.add(row.occurrence_id)
                    lines.append(
                        t("reports.missing_line", scope.lang, title=row.routine_title,
                            scheduled=row.scheduled_date, due=row.due_date,
                        )
                    )  # fmt: skip
                if not row.confirmation and row.person and row.person not in erased:
                    chase[row.person] += 1
        return lines, chase

    # --- overdue ----------------------------------------------------------------------

    async def _overdue(self, incoming: Incoming, lang: str) -> list[Reply]:
        now = self._clock()
        return await asyncio.to_thread(self._overdue_now, incoming, lang, now)

    def _overdue_now(self, incoming: Incoming, lang: str, now: datetime) -> list[Reply]:
        today = self._today(now)
        with transaction(self._sessions) as session:
            key = self._person_key(session, incoming, now)
            officer = self.is_officer(incoming)
            routines = (
                None if officer else self._lead_of(incoming) | _assigned_routines(session, key)
            )
            if routines is not None and not routines:
                log.info(
                    "overdue refused: neither officer nor lead",
                    extra={"platform": incoming.platform, "person_key": key},
                )
                return [Reply(text=t("reports.overdue_refused", lang), private=True)]
            items = overdue_occurrences(session, today, routines)
        if not items:
            return [Reply(text=t("reports.overdue_none", lang), private=True)]
        infos = self._infos(lang)
        lines = []
        for item in items:
            waiting = (
                t("reports.waiting", lang, names=", ".join(item.waiting_for))
                if item.waiting_for
                else ""
            )
            title = infos[item.routine_id].title if item.routine_id in infos else item.routine_id
            lines.append(
                t("reports.overdue_line", lang, title=title, due=item.due_date.isoformat(),
                    days=(today - item.due_date).days, waiting=waiting,
                )
            )  # fmt: skip
        text = "\n".join(
            [t("reports.overdue_title", lang, count=len(items)), *_capped(lines, lang)]
        )
        return [Reply(text=text, private=True)]

    def _today(self, now: datetime) -> date:
        return as_utc(now).astimezone(ZoneInfo(self._timezone)).date()


@dataclass(frozen=True)
class Overdue:
    occurrence_id: int
    routine_id: str
    due_date: date
    waiting_for: tuple[str, ...]


def _assigned_routines(session: Session, person_key: str) -> set[str]:
    stmt = (
        select(m.Occurrence.routine_id)
        .join(m.OccurrenceAssignee, m.OccurrenceAssignee.occurrence_id == m.Occurrence.id)
        .where(m.OccurrenceAssignee.person_key == person_key)
        .distinct()
    )
    return set(session.scalars(stmt))


def overdue_occurrences(
    session: Session, today: date, routines: set[str] | None = None
) -> list[Overdue]:
    """Open occurrences past their due date (of `routines`, or all), oldest first."""
    stmt = select(m.Occurrence.id, m.Occurrence.routine_id, m.Occurrence.due_date).where(
        m.Occurrence.status == m.OPEN, m.Occurrence.due_date < today
    )
    if routines is not None:
        stmt = stmt.where(m.Occurrence.routine_id.in_(sorted(routines)))
    rows = session.execute(stmt.order_by(m.Occurrence.due_date, m.Occurrence.id)).all()
    waiting = _waiting_for(session, [r.id for r in rows])
    return [Overdue(r.id, r.routine_id, r.due_date, tuple(waiting.get(r.id, ()))) for r in rows]


def _waiting_for(session: Session, occurrence_ids: list[int]) -> dict[int, list[str]]:
    """Assignees who have not confirmed, by display name (erased people left out)."""
    if not occurrence_ids:
        return {}
    a, c = m.OccurrenceAssignee, m.Confirmation
    stmt = (
        select(a.occurrence_id, Person.display_name, Person.erased_at, a.person_key)
        .outerjoin(c, and_(c.occurrence_id == a.occurrence_id, c.person_key == a.person_key))
        .outerjoin(Person, Person.person_key == a.person_key)
        .where(a.occurrence_id.in_(occurrence_ids), c.id.is_(None))
        .order_by(a.occurrence_id, Person.display_name)
    )
    waiting: dict[int, list[str]] = {}
    for occurrence_id, name, erased_at, key in session.execute(stmt):
        if erased_at is None:
            waiting.setdefault(occurrence_id, []).append(name or key)
    return waiting


def _capped(lines: list[str], lang: str) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], t("reports.more", lang, count=len(lines) - MAX_LINES)]
