"""What the web pages are built from: their settings values and the services they read.

The composition root (bot/app.py, `_add_web`) builds one `WebRoom` from Settings and the
services; the server mounts its pages (bot/web/pages) when there is one. Pages read data
only through `views` (routines' read model), `reports` (exports), `store` (sign-in links
and sessions), `insights` and `articles`; who may see what is `policy`'s (access.py).

`panels` is the overview's extension point: a later service (the rights-request desk,
training) adds an `OverviewPanel` with `WebRoom.add_panel`, and the overview shows its
headline figures beside adherence, for the viewer's access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol
from urllib.parse import urlsplit

from bot.features.insights import InsightsSource
from bot.records.web_access import WebAccessStore
from bot.web.access import Access, WebPolicy
from bot.web.keys import LazyKeys
from knowledge import Article
from routines.service import EvidenceViews, ReportService

LINK_LIFETIME: Final = timedelta(minutes=10)
SESSION_LIFETIME: Final = timedelta(hours=8)


@dataclass(frozen=True)
class WebConfig:
    """Values from settings: where the pages are reached, cookies, the default language."""

    public_url: str  # GDPRBOT_PUBLIC_URL, or http://host:port when none is set
    default_lang: str = "sv"
    link_lifetime: timedelta = LINK_LIFETIME
    session_lifetime: timedelta = SESSION_LIFETIME

    @property
    def secure(self) -> bool:
        """Cookies only over https (so an https public URL makes them `Secure`)."""
        return self.public_url.lower().startswith("https://")

    @property
    def base_path(self) -> str:
        """The path the proxy publishes the bot under ("" at the root, "/gdpr" below it)."""
        return urlsplit(self.public_url).path.rstrip("/")

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


@dataclass(frozen=True)
class PanelFigure:
    label: str
    value: str
    link: str = ""  # a page of the web room ("/requests?open=1"), or ""


@dataclass(frozen=True)
class Panel:
    title: str
    figures: tuple[PanelFigure, ...]
    note: str = ""


class OverviewPanel(Protocol):
    """Headline figures a service adds to the overview (rights requests, training...)."""

    def panel(self, access: Access, lang: str, now: datetime) -> Panel | None:
        """The panel for this viewer, or None to show nothing to them (called in a thread)."""
        ...


@dataclass
class WebRoom:
    config: WebConfig
    keys: LazyKeys
    views: EvidenceViews
    reports: ReportService
    store: WebAccessStore
    policy: WebPolicy
    insights: InsightsSource
    articles: Callable[[], Iterable[Article]]
    clock: Callable[[], datetime]
    panels: list[OverviewPanel] = field(default_factory=list)

    def add_panel(self, panel: OverviewPanel) -> None:
        self.panels.append(panel)
