"""The overview's training headline (an `OverviewPanel`, bot/web/room.py): campaigns still
open, the share of the audience that passed, and how many people are overdue, over the
campaigns due in the last 90 days and the coming year. Officers see every campaign, team
leads the campaigns of their routines."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.web.access import Access
from bot.web.room import Panel, PanelFigure
from routines.service import QuizService, between, local_date

WINDOW_BACK_DAYS = 90
WINDOW_AHEAD_DAYS = 365

_TEXT = {
    "sv": {"title": "GDPR-utbildning", "open": "Pågående utbildningar", "passed": "Godkända",
           "overdue": "Försenade personer", "none": "Inga utbildningar de senaste 90 dagarna."},
    "en": {"title": "GDPR training", "open": "Campaigns running", "passed": "Passed",
           "overdue": "People overdue", "none": "No training campaigns in the last 90 days."},
}  # fmt: skip


class TrainingPanel:
    def __init__(self, quizzes: QuizService, timezone: str) -> None:
        self._quizzes = quizzes
        self._timezone = timezone

    def panel(self, access: Access, lang: str, now: datetime) -> Panel | None:
        if not access.officer and not access.routines:
            return None
        text = _TEXT["en" if lang == "en" else "sv"]
        today = local_date(now, self._timezone)
        period = between(
            today - timedelta(days=WINDOW_BACK_DAYS), today + timedelta(days=WINDOW_AHEAD_DAYS)
        )
        rows = [
            r
            for r in self._quizzes.campaigns(period, today)
            if access.may_see_routine(r.routine_id)
        ]
        if not rows:
            return Panel(title=text["title"], figures=(), note=text["none"])
        audience = sum(r.audience for r in rows)
        passed = sum(r.passed for r in rows)
        share = f"{passed}/{audience}" + (f" ({passed / audience:.0%})" if audience else "")
        return Panel(
            title=text["title"],
            figures=(
                PanelFigure(text["open"], str(sum(1 for r in rows if r.status == "open"))),
                PanelFigure(text["passed"], share),
                PanelFigure(text["overdue"], str(sum(len(r.overdue) for r in rows))),
            ),
        )
