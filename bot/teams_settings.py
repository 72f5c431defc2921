"""Teams' settings, checked: when the Teams front end runs, and its `BotFrameworkConfig`.

Part of the composition root (bot/app.py re-exports `bot_framework_config`): it reads
`Settings` and refuses combinations that cannot work, or that would be unsafe (unsigned
requests are a development mode, bound to loopback), with a `TeamsSettingsError` naming
the variable to fix.
"""

from __future__ import annotations

import logging

from bot.config import Settings, TeamsSettingsError
from bot.platforms.teams.config import BotFrameworkConfig

log = logging.getLogger("bot.app")

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def teams_wanted(settings: Settings) -> bool:
    """Teams with an app id; without one (authentication off) only as an explicit local
    development mode (GDPRBOT_TEAMS_INSECURE_DEV, bound to loopback) and no other platform."""
    if not settings.teams_enabled:
        return False
    if settings.teams_configured:
        return True
    if not settings.teams_insecure_dev:
        if not settings.slack_configured:
            # DEBUG: the console default is not news, and a CLI error stays one line.
            log.debug(
                "Teams is off: set MicrosoftAppId (or GDPRBOT_TEAMS_INSECURE_DEV=true for "
                "unsigned local development)"
            )
        return False
    if settings.host not in LOOPBACK_HOSTS:
        raise TeamsSettingsError(
            "GDPRBOT_TEAMS_INSECURE_DEV=true (unsigned Teams requests) needs GDPRBOT_HOST on "
            "loopback (127.0.0.1, ::1 or localhost)"
        )
    return not settings.slack_configured


APP_TYPES = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}


def bot_framework_config(settings: Settings) -> BotFrameworkConfig:
    """Teams' configuration from Settings, refusing combinations that cannot work
    (TeamsSettingsError names the variable to fix)."""
    app_type = APP_TYPES.get((settings.microsoft_app_type or "MultiTenant").lower())
    if app_type is None:
        raise TeamsSettingsError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES.values())}")
    config = BotFrameworkConfig(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        APP_TYPE=app_type,
        TENANTS=tuple(
            dict.fromkeys(
                [t.strip().lower() for t in settings.teams_tenants if t.strip()]
                + (
                    [settings.microsoft_app_tenant_id.strip().lower()]
                    if app_type == "SingleTenant" and settings.microsoft_app_tenant_id.strip()
                    else []
                )
            )
        ),
    )
    if not config.APP_ID:
        return config  # authentication off: local development only
    if app_type != "UserAssignedMSI" and not config.APP_PASSWORD:
        raise TeamsSettingsError("MicrosoftAppId is set but MicrosoftAppPassword is empty")
    if app_type != "MultiTenant" and not config.APP_TENANTID:
        raise TeamsSettingsError(f"MicrosoftAppType={app_type} needs MicrosoftAppTenantId")
    return config
