"""What several pages share: the period a page shows, and the routines a viewer may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from bot.web.http import Page
from routines.service import Period, current_quarter, parse_period

QUARTERS_OFFERED = 8


@dataclass(frozen=True)
class PeriodChoice:
    value: str
    label: str


def period_choices(today: date) -> list[PeriodChoice]:
    """The current and seven previous quarters, this year and last year."""
    choices = []
    year, quarter = today.year, (today.month - 1) // 3 + 1
    for _ in range(QUARTERS_OFFERED):
        choices.append(PeriodChoice(f"{year}-Q{quarter}", f"{year} Q{quarter}"))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    choices += [PeriodChoice(str(today.year), str(today.year))]
    choices += [PeriodChoice(str(today.year - 1), str(today.year - 1))]
    return choices


def chosen_period(page: Page, today: date) -> tuple[Period, str]:
    """The `period` query (2027-Q1, 2027-01, 2027, a..b), the current quarter by default;
    with an error text when it could not be read (the default is shown then)."""
    text = page.request.query.get("period", "").strip()
    if not text:
        return current_quarter(today), ""
    try:
        return parse_period(text), ""
    except ValueError:
        return current_quarter(today), page.t("web.bad_period", period=text[:40])


def visible_routines(page: Page) -> Collection[str] | None:
    """The routine ids this viewer may see (None: every one, for an officer)."""
    access = page.access
    return None if access.routines is None else access.routines


def narrowed(page: Page, routine: str = "", team: str = "") -> Collection[str] | None:
    """The viewer's routines, narrowed to one routine or one team when asked."""
    visible = visible_routines(page)
    chosen: set[str] | None = None
    if routine:
        chosen = {routine}
    if team:
        members = set(page.room.policy.routines_of_team(team))
        chosen = members if chosen is None else chosen & members
    if chosen is None:
        return visible
    return chosen if visible is None else chosen & set(visible)
