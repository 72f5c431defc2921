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
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Protocol, cast

from bot.authz import Policy, Subject, refusal_text
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Attachment, Incoming, Reply
from routines.service import (
    FORMATS,
    MIME,
    Actor,
    ChatReport,
    Format,
    Period,
    ReportService,
    current_quarter,
    parse_period,
)

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
        "reports.open_line": "- {title}, förfaller {due}",
        "reports.problem": " ⚠️ kunde inte postas i `{channel}`: {why}",
        "reports.problem.not_in_channel": "boten är inte med i kanalen (`/invite @gdpr-bot`)",
        "reports.problem.channel_not_found": "kanalen finns inte",
        "reports.problem.is_archived": "kanalen är arkiverad",
        "reports.problem.not_installed": "appen är inte tillagd i kanalen",
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
        "reports.open_line": "- {title}, due {due}",
        "reports.problem": " ⚠️ could not be posted in `{channel}`: {why}",
        "reports.problem.not_in_channel": "the bot is not in the channel (`/invite @gdpr-bot`)",
        "reports.problem.channel_not_found": "the channel does not exist",
        "reports.problem.is_archived": "the channel is archived",
        "reports.problem.not_installed": "the app has not been added to the channel",
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


class ReportLinks(Protocol):
    """Short-lived download links for a report (Teams has no file upload for bots)."""

    async def store(
        self, *, person_key: str, filename: str, mime_type: str, content: bytes, now: datetime
    ) -> str:
        """Keep the file for a while; the URL that downloads it, for that person only."""
        ...


# `report <word> [args]` for another report: (args, incoming, lang) -> replies
SubReport = Callable[[str, Incoming, str], Awaitable[list[Reply]]]


class ReportFeature:
    """The `report`/`rapport` and `overdue`/`försenade` commands (a `ChatFeature`)."""

    name = "reports"
    action_prefixes: tuple[str, ...] = ()

    def __init__(
        self,
        reports: ReportService,
        *,
        policy: Policy,
        clock: Callable[[], datetime],
        links: ReportLinks | None = None,
    ) -> None:
        """Without `links` (no GDPRBOT_PUBLIC_URL) Teams officers get the file itself."""
        self._reports = reports
        self._policy = policy
        self._links = links
        self._clock = clock
        self._kinds: dict[str, SubReport] = {}

    def add_report(self, words: Collection[str], handler: SubReport) -> None:
        """Another report under `report <word>` (e.g. `rapport utbildning`): the handler
        gets the rest of the words and authorises its own readers."""
        for word in words:
            self._kinds[word.lower()] = handler

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

    def is_officer(self, incoming: Incoming) -> bool:
        """A compliance officer by platform id (the policy's `report.export` rule)."""
        return self._policy.is_officer(Subject.of(incoming))

    # --- report -----------------------------------------------------------------------

    async def _report(self, args: str, incoming: Incoming, lang: str) -> list[Reply]:
        word, _, rest = args.strip().partition(" ")
        if (handler := self._kinds.get(word.lower())) is not None:
            return await handler(rest, incoming, lang)
        now = self._clock()
        decision = await self._policy.check("report.export", Subject.of(incoming))
        if (shared := refusal_text(decision, lang)) is not None:
            return [Reply(text=shared, private=True)]  # nothing recorded: no proven identity
        if not decision:
            key = await asyncio.to_thread(
                self._reports.record_refusal, _actor(incoming), "report", now
            )
            log.info(
                "report refused: not a compliance officer",
                extra={"platform": incoming.platform, "person_key": key, "command": "report"},
            )
            return [Reply(text=t("reports.refused", lang), private=True)]
        try:
            request = parse_request(args, self._reports.today(now))
        except ValueError as exc:
            return [Reply(text=t("reports.bad_period", lang, error=exc), private=True)]
        report = await asyncio.to_thread(
            self._reports.export, _actor(incoming), request.period, request.fmt, lang, now
        )
        log.info(
            "report exported",
            extra={
                "person_key": report.exporter,
                "period": report.scope.period.label,
                "format": request.fmt,
            },
        )
        return [
            Reply(text=self._summary_text(report, lang), private=True),
            await self._file_reply(report, request.fmt, incoming, lang, now),
        ]

    async def _file_reply(
        self, report: ChatReport, fmt: Format, incoming: Incoming, lang: str, now: datetime
    ) -> Reply:
        """The file itself (Slack uploads it to the officer's DM), or on Teams a link."""
        filename = f"gdpr-report-{report.scope.period.label.replace('..', '_')}.{fmt}"
        return await self.file_reply(filename, fmt, report.content, report.exporter, incoming,
                                     lang, now)  # fmt: skip

    async def file_reply(
        self, filename: str, fmt: Format, content: bytes, exporter: str, incoming: Incoming,
        lang: str, now: datetime,
    ) -> Reply:  # fmt: skip
        """A report file for the person who asked: attached (Slack uploads it to their
        DM), or on Teams a 15-minute link only they can open."""
        if incoming.platform == "teams" and self._links is not None:
            url = await self._links.store(
                person_key=exporter,
                filename=filename,
                mime_type=MIME[fmt],
                content=content,
                now=now,
            )
            return Reply(
                text=t("reports.link", lang),
                private=True,
                link=url,
                attachment=Attachment(filename, b"", MIME[fmt], title=filename),
            )
        attachment = Attachment(filename, content, MIME[fmt], title=filename)
        text = t("reports.file", lang, filename=filename)
        return Reply(text=text, private=True, attachment=attachment)

    def _summary_text(self, report: ChatReport, lang: str) -> str:
        summary, scope = report.exported.summary, report.scope
        total = summary.total
        lines = [
            t("reports.title", lang, period=scope.period.label, today=scope.today.isoformat()),
            t(
                "reports.total", lang, rate=_pct(total.rate), on_time=total.on_time,
                applicable=total.applicable, late=total.late, missing=total.missing,
                na=total.not_applicable, pending=total.pending,
            ),
        ]  # fmt: skip
        if not summary.routines:
            lines.append(t("reports.none", lang))
        for fig in summary.routines:
            tally = fig.tally
            missing = tally.missing
            extra = t("reports.routine_missing", lang, missing=missing) if missing else ""
            lines.append(
                t(
                    "reports.routine", lang, title=fig.title, rate=_pct(tally.rate),
                    on_time=tally.on_time, applicable=tally.applicable, extra=extra,
                )
            )  # fmt: skip
        shortfall = report.shortfall
        if shortfall.missing:
            missing_lines = [
                t("reports.missing_line", lang, title=m.title, scheduled=m.scheduled, due=m.due)
                for m in shortfall.missing
            ]
            lines += ["", t("reports.missing_title", lang), *_capped(missing_lines, lang)]
        if shortfall.chase:
            chase_lines = [
                t("reports.chase_line", lang, name=name, count=count)
                for name, count in shortfall.chase.most_common()
            ]
            lines += ["", t("reports.chase_title", lang), *_capped(chase_lines, lang)]
        return "\n".join(lines)

    # --- overdue ----------------------------------------------------------------------

    async def _overdue(self, incoming: Incoming, lang: str) -> list[Reply]:
        decision = await self._policy.check("overdue.view", Subject.of(incoming))
        if not decision:
            return [Reply(text=refusal_text(decision, lang) or "", private=True)]
        now = self._clock()
        items = await asyncio.to_thread(
            self._reports.overdue, _actor(incoming), now, officer=self.is_officer(incoming)
        )
        if items is None:
            log.info(
                "overdue refused: neither officer nor lead",
                extra={"platform": incoming.platform},
            )
            return [Reply(text=t("reports.overdue_refused", lang), private=True)]
        if not items:
            return [Reply(text=t("reports.overdue_none", lang), private=True)]
        today = self._reports.today(now)
        titles = self._reports.titles(lang)
        lines = []
        for item in items:
            names = ", ".join(item.waiting_for)
            waiting = t("reports.waiting", lang, names=names) if item.waiting_for else ""
            title = titles[item.routine_id].title if item.routine_id in titles else item.routine_id
            days = (today - item.due_date).days
            line = t(
                "reports.overdue_line" if days > 0 else "reports.open_line", lang, title=title,
                due=item.due_date.isoformat(), days=days, waiting=waiting,
            )  # fmt: skip
            for problem in item.problems:
                why = t(f"reports.problem.{problem.problem}", lang)
                line += t("reports.problem", lang, channel=problem.channel, why=why)
            lines.append(line)
        title_line = t("reports.overdue_title", lang, count=len(items))
        return [Reply(text="\n".join([title_line, *_capped(lines, lang)]), private=True)]


def _actor(incoming: Incoming) -> Actor:
    return Actor(incoming.platform, incoming.user_id, incoming.display_name, incoming.email)


def _capped(lines: list[str], lang: str) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return [*lines[:MAX_LINES], t("reports.more", lang, count=len(lines) - MAX_LINES)]
