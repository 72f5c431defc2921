"""Building the web room from settings: the composition root's part for bot/web.

bot/app.py calls `add_web` from build_services; `gdpr-bot web link` uses `web_keys`,
`web_config` and `web_policy` to issue a link without starting the bot.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.authz import Policy
from bot.config import Settings, SettingsError
from bot.web.access import WebPolicy, roles_from
from bot.web.keys import LazyKeys, WebSecretError, configured_secret, local_secret
from bot.web.room import WebConfig
from routines.service import Catalog, EvidenceViews, ReportService

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)


def web_config(settings: Settings) -> WebConfig:
    """Where the pages are reached (GDPRBOT_PUBLIC_URL, else this host and port)."""
    host = "localhost" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = settings.public_url or f"http://{host}:{settings.port}"
    return WebConfig(public_url=url, default_lang=settings.default_language)


def web_keys(settings: Settings) -> LazyKeys | None:
    """The web secret (GDPRBOT_WEB_SECRET / _FILE); None in a production-like set-up
    without one (the pages stay off). SettingsError for a secret that cannot be used."""
    try:
        secret = configured_secret(settings.web_secret, settings.web_secret_file)
    except WebSecretError as exc:
        raise SettingsError(str(exc)) from None
    if secret is not None:
        return LazyKeys(lambda: secret)
    if settings.production_like:
        return None
    return LazyKeys(local_secret)  # generated once per machine, at first use


def web_policy(
    settings: Settings, catalog: Catalog, views: EvidenceViews, authz: Policy | None = None
) -> WebPolicy:
    """Who may open the pages: GDPRBOT_COMPLIANCE_OFFICERS and the catalogue's leads, as
    the bot's authorisation policy identifies them (`authz`; None: platform ids only)."""
    teams = {rid: info.team for rid, info in views.titles(settings.default_language).items()}
    return WebPolicy(roles_from(settings.compliance_officers, catalog.routines, teams), authz)


def add_web(services: Services, catalog: Catalog) -> None:
    """The officers' web pages (GDPRBOT_WEB) and the chat `webb`/`web` command."""
    from bot.features.web import WebFeature
    from bot.records.insights import InsightsStore
    from bot.records.web_access import WebAccessStore
    from bot.web.room import WebRoom
    from bot.web.signin import SignInLinks

    settings = services.settings
    views = EvidenceViews(services.sessions, catalog, timezone=settings.timezone)
    keys = web_keys(settings) if settings.web_enabled else None
    if settings.web_enabled and keys is None:
        log.warning(
            "web pages are off: GDPRBOT_PUBLIC_URL is https or the database is PostgreSQL, "
            "and neither GDPRBOT_WEB_SECRET nor GDPRBOT_WEB_SECRET_FILE is set (README, Settings)"
        )
    issuer = None
    if keys is not None:
        services.web = WebRoom(
            config=web_config(settings),
            keys=keys,
            views=views,
            reports=ReportService(services.sessions, catalog, timezone=settings.timezone),
            store=WebAccessStore(services.sessions),
            policy=web_policy(settings, catalog, views, services.policy),
            insights=InsightsStore(services.sessions),
            articles=lambda: list(services.knowledge),
            clock=services.now,
        )
        issuer = SignInLinks.of(services.web)
    services.add_feature(
        WebFeature(issuer, policy=services.policy, clock=services.now, local_time=views.local_time)
    )
