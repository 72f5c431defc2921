"""Microsoft app settings: combinations that cannot authenticate are refused at start-up."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import bot_framework_config
from bot.config import Settings, TeamsSettingsError


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def test_no_app_id_means_authentication_off() -> None:
    assert not bot_framework_config(settings(microsoft_app_id="")).auth_enabled


def test_env_names_reach_botbuilder_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "app-1")
    monkeypatch.setenv("MicrosoftAppPassword", "secret")
    monkeypatch.setenv("MicrosoftAppTenantId", "tenant-1")
    monkeypatch.setenv("MicrosoftAppType", "singletenant")
    config = bot_framework_config(Settings(_env_file=None))
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TENANTID, config.APP_TYPE) == (
        "app-1",
        "secret",
        "tenant-1",
        "SingleTenant",
    )
    assert config.auth_enabled


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"microsoft_app_id": "app-1"}, "MicrosoftAppPassword"),
        (
            {"microsoft_app_id": "a", "microsoft_app_password": "p"}
            | {"microsoft_app_type": "SingleTenant"},
            "MicrosoftAppTenantId",
        ),
        ({"microsoft_app_type": "Everyone"}, "MicrosoftAppType"),
    ],
    ids=["no-password", "single-tenant-without-tenant", "unknown-type"],
)
def test_settings_that_cannot_work_are_refused_by_name(values: dict[str, Any], names: str) -> None:
    with pytest.raises(TeamsSettingsError, match=names):
        bot_framework_config(settings(**values))
