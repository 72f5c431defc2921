"""The overview's trend chart as SVG geometry (the template draws it; no script, no library).

One horizontal bar per month, as in the HTML report's chart: the applicable occurrences
split into on time, late and missing, with the adherence rate beside it. The same
figures stand in a table under the chart, for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from routines.service import MonthFigures

BAR_WIDTH: Final = 420
BAR_HEIGHT: Final = 20
GAP: Final = 8
LABEL_WIDTH: Final = 70
PARTS: Final = ("on_time", "late", "missing")


@dataclass(frozen=True)
class Segment:
    outcome: str
    x: int
    width: int


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    segments: tuple[Segment, ...]
    text: str  # "82 % (41/50)" or "–"


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_x: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT


def trend_chart(months: Sequence[MonthFigures]) -> Chart:
    bars = []
    for index, month in enumerate(months):
        tally = month.tally
        applicable = tally.applicable
        x = LABEL_WIDTH
        segments = []
        for outcome in PARTS:
            count = getattr(tally, outcome)
            if not applicable or not count:
                continue
            width = round(count / applicable * BAR_WIDTH)
            segments.append(Segment(outcome, x, width))
            x += width
        rate = tally.rate
        text = (
            "–"
            if rate is None
            else f"{rate:.0%}".replace("%", " %") + f" ({tally.on_time}/{applicable})"
        )
        bars.append(Bar(month.label, index * (BAR_HEIGHT + GAP), tuple(segments), text))
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP)
    return Chart(tuple(bars), LABEL_WIDTH + BAR_WIDTH + 140, height)
