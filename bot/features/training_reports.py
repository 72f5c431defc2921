"""`rapport utbildning [period] [format]` / `report training [period] [format]`: the
competence report in chat, for compliance officers (every campaign) and team leads (the
campaigns whose `escalate.to` names them), decided by the policy's `training.report` rule.

The reply: per team the pass rate and who is overdue, then the file (CSV by default; JSON,
HTML or the zip) as the adherence report hands it out. Each export is a `report.exported`
ledger entry under the reader's person key; a refusal a `report.refused` entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from bot.authz import Policy, Subject, refusal_text
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Incoming, Reply
from bot.features.reports import ReportFeature, parse_request
from bot.features.routines import actor_of, subject_of
from routines.service import ReportService

log = logging.getLogger(__name__)

WORDS: Final = ("utbildning", "utbildningar", "training", "trainings")
MAX_LINES: Final = 15

add_strings(
    {
        "sv": {
            "training_report.refused": (
                "Utbildningsrapporten är för dataskyddsombud, compliance och teamledare "
                "(för sina team). Dina egna utbildningar ser du med `utbildning`. "
                "(Försöket har loggats.)"
            ),
            "training_report.title": "*Utbildningsrapport {period}* (per {today})",
            "training_report.total": "Totalt: {passed} av {audience} godkända ({rate})",
            "training_report.none": "Inga utbildningar under perioden.",
            "training_report.team": "- {team}: {rate} godkända ({passed}/{audience}), "
            "{failed} inte godkända, {open} inte klara{overdue}",
            "training_report.overdue": ", {count} försenade",
            "training_report.no_team": "(ingen kanal)",
            "training_report.overdue_title": "*Försenade*",
            "training_report.overdue_line": "- {name}: {title} (#{id}, förföll {due})",
            "training_report.more": "… och {count} till",
        },
        "en": {
            "training_report.refused": (
                "The training report is for the DPO, compliance and team leads (for their "
                "teams). See your own trainings with `training`. (The attempt has been logged.)"
            ),
            "training_report.title": "*Training report {period}* (as of {today})",
            "training_report.total": "Total: {passed} of {audience} passed ({rate})",
            "training_report.none": "No training campaigns in the period.",
            "training_report.team": "- {team}: {rate} passed ({passed}/{audience}), "
            "{failed} not passed, {open} not finished{overdue}",
            "training_report.overdue": ", {count} overdue",
            "training_report.no_team": "(no channel)",
            "training_report.overdue_title": "*Overdue*",
            "training_report.overdue_line": "- {name}: {title} (#{id}, due {due})",
            "training_report.more": "… and {count} more",
        },
    }
)


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


class TrainingReports:
    """The `report training` handler, added to the report feature (`add_report`)."""

    def __init__(
        self,
        reports: ReportService,
        files: ReportFeature,
        *,
        policy: Policy,
        clock: Callable[[], datetime],
    ) -> None:
        self._reports = reports
        self._files = files
        self._policy = policy
        self._clock = clock

    async def readable(self, subject: Subject) -> list[str] | None:
        """The training routines this person may read: None for all (an officer)."""
        if await self._policy.check("training.report", subject, None):
            return None
        return [
            routine_id
            for routine_id in self._reports.training_routines()
            if await self._policy.check("training.report", subject, routine_id)
        ]

    async def __call__(self, args: str, incoming: Incoming, lang: str) -> list[Reply]:
        now = self._clock()
        subject = subject_of(incoming)
        shared = refusal_text(await self._policy.check("training.report", subject, None), lang)
        if shared is not None:  # an unauthenticated request: nothing recorded
            return [Reply(text=shared, private=True)]
        readable = await self.readable(subject)
        if readable is not None and not readable:
            key = await asyncio.to_thread(
                self._reports.record_refusal, actor_of(incoming), "report training", now
            )
            log.info(
                "training report refused: neither officer nor team lead",
                extra={"platform": incoming.platform, "person_key": key},
            )
            return [Reply(text=t("training_report.refused", lang), private=True)]
        try:
            request = parse_request(args, self._reports.today(now))
        except ValueError as exc:
            return [Reply(text=t("reports.bad_period", lang, error=exc), private=True)]
        exported, exporter = await asyncio.to_thread(
            self._reports.export_training, actor_of(incoming), request.period, request.fmt,
            lang, now, readable,
        )  # fmt: skip
        log.info(
            "training report exported",
            extra={"person_key": exporter, "period": request.period.label,
                   "format": request.fmt},
        )  # fmt: skip
        label = request.period.label.replace("..", "_")
        filename = f"gdpr-training-{label}.{request.fmt}"
        file = await self._files.file_reply(
            filename, request.fmt, exported.content, exporter, incoming, lang, now
        )
        return [Reply(text=self._summary(exported.report, lang), private=True), file]

    def _summary(self, report: Any, lang: str) -> str:
        """`report`: the export's TrainingReport (campaigns, teams, people)."""
        lines = [
            t("training_report.title", lang, period=report.period.label,
              today=report.as_of.isoformat()),
        ]  # fmt: skip
        if not report.campaigns:
            return "\n".join([*lines, t("training_report.none", lang)])
        audience, passed = report.audience, report.passed
        rate = _pct(passed / audience if audience else None)
        lines.append(t("training_report.total", lang, passed=passed, audience=audience, rate=rate))
        for team in report.teams:
            overdue = t("training_report.overdue", lang, count=team.overdue) if team.overdue else ""
            name = team.team or t("training_report.no_team", lang)
            lines.append(
                t("training_report.team", lang, team=name,
                  rate=_pct(team.pass_rate), passed=team.passed, audience=team.audience,
                  failed=team.failed, open=team.not_finished, overdue=overdue)
            )  # fmt: skip
        titles = self._reports.titles(lang)
        late = [
            t("training_report.overdue_line", lang, name=person.person, id=person.occurrence_id,
              title=titles[person.routine_id].title if person.routine_id in titles
              else person.routine_id, due=campaign.due_date.isoformat())
            for campaign in report.campaigns
            for person in report.people
            if person.occurrence_id == campaign.occurrence_id and person.overdue
        ]  # fmt: skip
        if late:
            capped = late[:MAX_LINES]
            if len(late) > MAX_LINES:
                capped.append(t("training_report.more", lang, count=len(late) - MAX_LINES))
            lines += ["", t("training_report.overdue_title", lang), *capped]
        return "\n".join(lines)
