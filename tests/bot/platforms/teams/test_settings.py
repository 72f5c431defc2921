"""Microsoft app settings: combinations that cannot authenticate are refused at start-up."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import bot_framework_config
from bot.config import Settings, TeamsSettingsError
from bot.teams_settings import teams_wanted


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


def test_a_single_tenant_bot_serves_its_own_tenant_and_the_listed_ones() -> None:
    config = bot_framework_config(
        settings(
            microsoft_app_id="a", microsoft_app_password="p", microsoft_app_type="SingleTenant",
            microsoft_app_tenant_id="Tenant-Own", teams_tenants="tenant-two",
        )
    )  # fmt: skip
    assert config.TENANTS == ("tenant-two", "tenant-own")


def test_without_an_app_id_teams_is_off_unless_insecure_dev_is_asked_for() -> None:
    assert not teams_wanted(settings(slack_bot_token="", microsoft_app_id=""))
    assert teams_wanted(settings(slack_bot_token="", teams_insecure_dev=True))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "bot.example.com"])
def test_insecure_dev_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(TeamsSettingsError, match="GDPRBOT_HOST"):
        teams_wanted(settings(slack_bot_token="", teams_insecure_dev=True, host=host))
