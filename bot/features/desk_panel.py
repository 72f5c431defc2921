"""The rights-request desk's headline on the web overview (an `OverviewPanel`).

Compliance officers see the requests still open, how many of them are late (per client),
and the share forwarded within the promise over the last 30 days; anyone else sees no
panel (a client's team lead follows their requests in the chat).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from bot.web.access import Access
from bot.web.room import Panel, PanelFigure
from routines.service import RequestRegister

WINDOW_DAYS: Final = 30
_TEXT: Final = {
    "sv": {
        "title": "Registrerades begäranden",
        "open": "Öppna (ej vidarebefordrade)",
        "late": "Försenade",
        "on_time": "Vidarebefordrade i tid, senaste 30 dagarna",
        "late_by_client": "Försenade per kund: {clients}",
        "none": "Inga försenade begäranden.",
    },
    "en": {
        "title": "Data subject requests",
        "open": "Open (not forwarded)",
        "late": "Late",
        "on_time": "Forwarded on time, last 30 days",
        "late_by_client": "Late per client: {clients}",
        "none": "No late requests.",
    },
}


class RequestsPanel:
    """An `OverviewPanel` over the register; `names` maps client ids to names."""

    def __init__(self, register: RequestRegister, names: Mapping[str, str]) -> None:
        self._register = register
        self._names = names

    def panel(self, access: Access, lang: str, now: datetime) -> Panel | None:
        if not access.officer:
            return None
        text = _TEXT["en" if lang == "en" else "sv"]
        today = self._register.today(now)
        timezone = self._register.timezone
        still_open = self._register.open_requests()
        late = [r for r in still_open if today > r.forward_by]
        recent = self._register.received_between(today - timedelta(days=WINDOW_DAYS), today)
        judged = [r for r in recent if r.forwarded or today > r.forward_by]
        on_time = sum(1 for r in judged if not r.late(today, timezone))
        share = f"{on_time}/{len(judged)}" + (f" ({on_time / len(judged):.0%})" if judged else "")
        by_client = Counter(self._names.get(r.client_id, r.client_id) for r in late)
        note = (
            text["late_by_client"].format(
                clients=", ".join(f"{name} {count}" for name, count in by_client.most_common())
            )
            if by_client
            else text["none"]
        )
        return Panel(
            title=text["title"],
            figures=(
                PanelFigure(text["open"], str(len(still_open))),
                PanelFigure(text["late"], str(len(late))),
                PanelFigure(text["on_time"], share),
            ),
            note=note,
        )
