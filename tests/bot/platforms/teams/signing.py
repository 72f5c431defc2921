"""Signed Bot Framework activities in tests: a key the test makes stands in for Microsoft.

With `MicrosoftAppId` set, the bot serves only requests carrying a JWT that Bot Framework
signed for this app and this service URL. Microsoft's side cannot exist here, so its two
endpoints are stood in for: the OpenID metadata (the signing keys) holds a key made by the
test, and MSAL's client of the login service issues a fixed outbound token. Tests that act
as a real user (routine actions, reports, desk requests) sign their activities: an unsigned
activity is the insecure development mode, which serves questions only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import jwt
import pytest
from botframework.connector.auth import AuthenticationConstants, microsoft_app_credentials
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "app-secret"
KEY_ID = "test-signing-key"
OUTBOUND_TOKEN = "outbound-token-from-fake-login"
PrivateKey = rsa.RSAPrivateKey


def new_key() -> PrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def bot_framework_key() -> PrivateKey:
    """The key 'Bot Framework' signs with in these tests (generated once per run)."""
    return new_key()


class FakeMsalApp:
    """Stands in for MSAL's client of login.microsoftonline.com: a token cache per client."""

    fetches = 0  # tokens issued by the "login service", across all clients

    def __init__(self, client_id: str, client_credential: str, authority: str) -> None:
        self._token: dict[str, Any] | None = None

    def acquire_token_silent(self, scopes: list[str], account: None) -> dict[str, Any] | None:
        return self._token

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
        FakeMsalApp.fetches += 1
        self._token = {"access_token": OUTBOUND_TOKEN, "expires_in": 3600}
        return self._token


@pytest.fixture
def microsoft_endpoints(
    bot_framework_key: PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Stand-ins for login.botframework.com's OpenID keys and the app's token login."""
    jwk = json.loads(RSAAlgorithm.to_jwk(bot_framework_key.public_key()))
    jwk.update(kid=KEY_ID, endorsements=["msteams"])
    metadata = _OpenIdMetadata(AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)
    metadata.keys = [jwk]
    metadata.last_updated = datetime.now()  # fresh: botbuilder will not fetch it again
    monkeypatch.setitem(JwtTokenExtractor.metadataCache, metadata.url, metadata)
    FakeMsalApp.fetches = 0
    monkeypatch.setattr(microsoft_app_credentials, "ConfidentialClientApplication", FakeMsalApp)
    yield


def token(service_url: str, key: PrivateKey, **claims: Any) -> str:
    """An Authorization header value: a JWT as Bot Framework signs it for this bot."""
    now = int(time.time())
    payload = {
        "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        **claims,
    }
    return "Bearer " + jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})
