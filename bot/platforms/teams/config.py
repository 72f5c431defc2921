"""The Teams front end's configuration (Bot Framework app id, password, tenant, type).

A plain value: the composition root builds it from Settings (bot.app.bot_framework_config,
which refuses combinations that cannot work); no botbuilder import here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The attribute names botbuilder's configuration objects expect, from our Settings."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"
    # Tenants whose activities are served (empty: any, MultiTenant only); SingleTenant
    # always includes its own APP_TENANTID.
    TENANTS: tuple[str, ...] = ()

    @property
    def auth_enabled(self) -> bool:
        return bool(self.APP_ID)
