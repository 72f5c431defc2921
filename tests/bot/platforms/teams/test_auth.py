"""Bot Framework authentication on /api/messages.

With `MicrosoftAppId` set, only requests carrying a JWT that Bot Framework signed for
this app and this service URL are served. Microsoft's side cannot exist here, so its
two endpoints are stood in for: the OpenID metadata (the signing keys) is a key made
by the test, and MSAL's client of the login service issues a fixed outbound token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.bot.platforms.teams.fixtures import (
    TENANT,
    StartTeamsBot,
    TeamsBotServer,
    message_activity,
)
from tests.bot.platforms.teams.signing import (
    APP_ID,
    OUTBOUND_TOKEN,
    FakeMsalApp,
    PrivateKey,
    token,
)
from tests.bot.platforms.teams.signing import new_key as _new_key


@pytest.fixture
async def secured_bot(start_teams_bot: StartTeamsBot, microsoft_endpoints: None) -> TeamsBotServer:
    return await start_teams_bot(microsoft_app_id=APP_ID, microsoft_app_password="app-secret")


async def test_a_request_signed_by_bot_framework_is_answered_with_the_bots_token(
    secured_bot: TeamsBotServer, bot_framework_key: PrivateKey
) -> None:
    url = secured_bot.connector.url
    activity = message_activity(url, id="signed-1", text="hjälp")
    status, _ = await secured_bot.post(
        activity, headers={"Authorization": token(url, bot_framework_key)}
    )
    assert status == 200
    (reply,) = secured_bot.connector.calls
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"


async def test_the_bots_own_token_is_fetched_once_not_per_message(
    secured_bot: TeamsBotServer, bot_framework_key: PrivateKey
) -> None:
    url = secured_bot.connector.url
    signed = {"Authorization": token(url, bot_framework_key)}
    for n in range(3):
        activity = message_activity(url, id=f"signed-{n}", text="hjälp")
        assert (await secured_bot.post(activity, headers=signed))[0] == 200
    assert len(secured_bot.connector.calls) == 3
    assert FakeMsalApp.fetches == 1


FOREIGN_ISSUER_JWT = (
    "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJodHRwczovL2V2aWwuZXhhbXBsZSIsImF1ZCI6ImFwcC1pZC0xIn0.c2lnbmF0dXJl"
)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", FOREIGN_ISSUER_JWT],
    ids=["missing", "garbage", "basic", "foreign-issuer"],
)
async def test_a_request_without_a_bot_framework_token_gets_401_and_no_reply(
    secured_bot: TeamsBotServer, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    activity = message_activity(secured_bot.connector.url, id="a1", text="hjälp")
    status, _ = await secured_bot.post(activity, headers=headers)
    assert status == 401
    assert secured_bot.connector.calls == []


@pytest.mark.parametrize(
    "forgery",
    ["other-key", "other-app", "other-service-url", "expired"],
)
async def test_a_token_that_is_not_for_this_bot_and_request_gets_401(
    secured_bot: TeamsBotServer, bot_framework_key: PrivateKey, forgery: str
) -> None:
    url = secured_bot.connector.url
    key, claims = bot_framework_key, dict[str, Any]()
    if forgery == "other-key":
        key = _new_key()
    elif forgery == "other-app":
        claims = {"aud": "some-other-bot"}
    elif forgery == "other-service-url":
        claims = {"serviceurl": "https://elsewhere.example/"}
    else:
        claims = {"exp": int(time.time()) - 3600}
    activity = message_activity(url, id="forged-1", text="hjälp")
    status, _ = await secured_bot.post(
        activity, headers={"Authorization": token(url, key, **claims)}
    )
    assert status == 401
    assert secured_bot.connector.calls == []


async def test_with_auth_off_every_request_logs_a_warning(
    start_teams_bot: StartTeamsBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_teams_bot()
    caplog.set_level(logging.WARNING, logger="bot.platforms.teams")
    caplog.clear()  # the one at start
    await bot.say("hjälp")
    await bot.say("help")
    warnings = [r for r in caplog.records if "authentication is OFF" in r.getMessage()]
    assert len(warnings) == 2


async def test_with_auth_off_only_a_loopback_service_url_is_served(
    start_teams_bot: StartTeamsBot,
) -> None:
    bot = await start_teams_bot()
    activity = message_activity("https://attacker.example/", id="a2", text="hjälp")
    status, _ = await bot.post(activity)
    assert status == 400


@pytest.mark.parametrize(
    "service_url",
    [
        "http://attacker.example\\@127.0.0.1/",
        "http://user@127.0.0.1/",
        "http://127.0.0.1.attacker.example/",
        "http://2130706433/",
        "http://127.1/",
        "http://localhost./",
        "http://%31%32%37.0.0.1/",
    ],
)
async def test_with_auth_off_a_disguised_service_url_is_refused_and_nothing_is_sent(
    start_teams_bot: StartTeamsBot, service_url: str
) -> None:
    bot = await start_teams_bot()
    status, _ = await bot.post(message_activity(service_url, id="disguised", text="hjälp"))
    assert status == 400
    assert bot.connector.calls == []


@pytest.fixture
async def single_tenant_bot(
    start_teams_bot: StartTeamsBot, microsoft_endpoints: None
) -> TeamsBotServer:
    return await start_teams_bot(
        microsoft_app_id=APP_ID, microsoft_app_password="app-secret",
        microsoft_app_type="SingleTenant", microsoft_app_tenant_id=TENANT,
    )  # fmt: skip


async def test_a_signed_activity_from_another_tenant_gets_403_and_no_reply(
    single_tenant_bot: TeamsBotServer, bot_framework_key: PrivateKey
) -> None:
    url = single_tenant_bot.connector.url
    activity = message_activity(url, id="other-tenant", text="rapport 2027-Q1")
    activity["conversation"]["tenantId"] = "tenant-of-someone-else"
    activity["channelData"] = {"tenant": {"id": "tenant-of-someone-else"}}
    status, _ = await single_tenant_bot.post(
        activity, headers={"Authorization": token(url, bot_framework_key)}
    )
    assert status == 403
    assert single_tenant_bot.connector.calls == []


@pytest.fixture
async def pinned_bot(start_teams_bot: StartTeamsBot, microsoft_endpoints: None) -> TeamsBotServer:
    return await start_teams_bot(
        microsoft_app_id=APP_ID, microsoft_app_password="app-secret", teams_tenants=[TENANT]
    )


async def test_a_signed_activity_from_an_allowed_tenant_is_answered(
    pinned_bot: TeamsBotServer, bot_framework_key: PrivateKey
) -> None:
    url = pinned_bot.connector.url
    activity = message_activity(url, id="own-tenant", text="hjälp")
    status, _ = await pinned_bot.post(
        activity, headers={"Authorization": token(url, bot_framework_key)}
    )
    assert status == 200
    (reply,) = pinned_bot.connector.calls  # the reply is sent within the request
    assert reply.authorization == f"Bearer {OUTBOUND_TOKEN}"


async def test_a_signed_activity_without_a_tenant_is_refused_when_tenants_are_pinned(
    pinned_bot: TeamsBotServer, bot_framework_key: PrivateKey
) -> None:
    url = pinned_bot.connector.url
    activity = message_activity(url, id="no-tenant", text="hjälp", channelData={})
    del activity["conversation"]["tenantId"]
    status, _ = await pinned_bot.post(
        activity, headers={"Authorization": token(url, bot_framework_key)}
    )
    assert status == 403
