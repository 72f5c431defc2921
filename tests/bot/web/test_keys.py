"""The web secret and what it signs: session cookies, sign-in links, CSRF tokens."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.web.keys import WebKeys, WebSecretError, configured_secret, local_secret, new_id

SECRET = b"a" * 40


def test_a_signed_value_comes_back_only_unchanged() -> None:
    keys = WebKeys(SECRET)
    session = new_id()
    cookie = keys.session_cookie(session)

    assert keys.session_id(cookie) == session
    assert keys.session_id(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
    assert keys.session_id(new_id() + "." + cookie.split(".")[1]) is None
    assert WebKeys(b"b" * 40).session_id(cookie) is None


def test_a_value_signed_for_one_use_is_refused_for_another() -> None:
    keys = WebKeys(SECRET)
    link = keys.link_token(new_id())

    assert keys.link_id(link) is not None
    assert keys.session_id(link) is None


def test_a_csrf_token_is_bound_to_the_browser_and_the_session() -> None:
    keys = WebKeys(SECRET)
    token = keys.csrf_token("seed-1", "session-1")

    assert keys.csrf_ok(token, "seed-1", "session-1")
    assert not keys.csrf_ok(token, "seed-2", "session-1")
    assert not keys.csrf_ok(token, "seed-1", "session-2")
    assert not keys.csrf_ok("", "", "")


def test_the_secret_comes_from_the_setting_or_its_file(tmp_path: Path) -> None:
    file = tmp_path / "secret"
    file.write_text("s" * 40 + "\n")

    assert configured_secret("x" * 32, "") == b"x" * 32
    assert configured_secret("", str(file)) == b"s" * 40
    assert configured_secret("", "") is None


@pytest.mark.parametrize(
    ("secret", "file", "problem"),
    [
        ("short", "", "at least 32"),
        ("x" * 40, "/some/file", "not both"),
        ("", "/no/such/file", "cannot read"),
    ],
)
def test_a_secret_that_cannot_be_used_is_named(secret: str, file: str, problem: str) -> None:
    with pytest.raises(WebSecretError, match=problem):
        configured_secret(secret, file)


def test_a_local_set_up_keeps_one_generated_secret_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state" / "web-secret"

    first = local_secret(path)

    assert len(first) >= 32 and local_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
