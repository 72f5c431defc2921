"""The web secret and what it signs: session cookies, sign-in links and CSRF tokens.

The secret lives outside the database (`GDPRBOT_WEB_SECRET`, or a file named by
`GDPRBOT_WEB_SECRET_FILE`), so someone who can read or write the database still cannot
mint a session cookie or a sign-in link. Three keys are derived from it, one per use
(HMAC-SHA256 of the purpose under the secret), so a value signed for one use is never
accepted for another.

Without a configured secret, a local set-up (SQLite, no https public URL) gets one
generated at first use into `$XDG_STATE_HOME/gdpr-bot/web-secret` (mode 0600), shared by
the bot and `gdpr-bot web link` on the same machine; a production-like set-up (an https
`GDPRBOT_PUBLIC_URL` or PostgreSQL) gets no pages until one is set (bot/app.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

MIN_SECRET_CHARS: Final = 32
_ID_BYTES: Final = 32


class WebSecretError(ValueError):
    """The configured secret cannot be used; the message names the setting to fix."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_id() -> str:
    """A random identifier (256 bits) for a session or a sign-in link."""
    return _b64(secrets.token_bytes(_ID_BYTES))


def digest(value: str) -> str:
    """What the database keeps of an identifier: its SHA-256, never the value itself."""
    return hashlib.sha256(value.encode("ascii", "replace")).hexdigest()


class WebKeys:
    """Signing and checking with the keys derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        def derive(purpose: str) -> bytes:
            return hmac.new(secret, f"gdpr-bot web {purpose} v1".encode(), hashlib.sha256).digest()

        self._session = derive("session")
        self._link = derive("sign-in link")
        self._csrf = derive("csrf")

    @staticmethod
    def _sign(key: bytes, value: str) -> str:
        return _b64(hmac.new(key, value.encode("ascii", "replace"), hashlib.sha256).digest())

    @staticmethod
    def _split(key: bytes, signed: str) -> str | None:
        value, _, signature = signed.partition(".")
        if not value or not signature or len(signed) > 200:
            return None
        expected = WebKeys._sign(key, value)
        return value if hmac.compare_digest(expected, signature) else None

    def session_cookie(self, session_id: str) -> str:
        return f"{session_id}.{self._sign(self._session, session_id)}"

    def session_id(self, cookie: str) -> str | None:
        """The session id in a cookie whose signature holds, else None."""
        return self._split(self._session, cookie)

    def link_token(self, link_id: str) -> str:
        return f"{link_id}.{self._sign(self._link, link_id)}"

    def link_id(self, token: str) -> str | None:
        """The link id in a token whose signature holds, else None (forged or mangled)."""
        return self._split(self._link, token)

    def csrf_token(self, seed: str, session_id: str = "") -> str:
        """The form token for a browser's CSRF cookie (`seed`), bound to its session."""
        return self._sign(self._csrf, f"{seed}|{session_id}")

    def csrf_ok(self, token: str, seed: str, session_id: str = "") -> bool:
        return bool(token and seed) and hmac.compare_digest(
            self.csrf_token(seed, session_id), token
        )


class LazyKeys:
    """`WebKeys` whose secret is read (or generated) at first use, not at start-up."""

    def __init__(self, load: Callable[[], bytes]) -> None:
        self._load = load
        self._keys: WebKeys | None = None

    def get(self) -> WebKeys:
        if self._keys is None:
            self._keys = WebKeys(self._load())
        return self._keys


def configured_secret(secret: str, secret_file: str) -> bytes | None:
    """The secret from `GDPRBOT_WEB_SECRET` or the file `GDPRBOT_WEB_SECRET_FILE`; None when
    neither is set. WebSecretError when both are, or the secret is unreadable or short."""
    if secret and secret_file:
        raise WebSecretError("set GDPRBOT_WEB_SECRET or GDPRBOT_WEB_SECRET_FILE, not both")
    if secret_file:
        try:
            secret = Path(secret_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise WebSecretError(
                f"GDPRBOT_WEB_SECRET_FILE: cannot read {secret_file} ({exc.strerror})"
            ) from None
    if not secret:
        return None
    if len(secret) < MIN_SECRET_CHARS:
        name = "GDPRBOT_WEB_SECRET_FILE" if secret_file else "GDPRBOT_WEB_SECRET"
        raise WebSecretError(
            f"{name} must be at least {MIN_SECRET_CHARS} characters "
            "(e.g. the output of `openssl rand -hex 32`)"
        )
    return secret.encode("utf-8")


def default_secret_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "gdpr-bot" / "web-secret"


def local_secret(path: Path | None = None) -> bytes:
    """The generated secret of a local set-up: read it, or create it once (mode 0600).

    If the file cannot be written, the secret lives in this process only (sessions then
    end with it, and `gdpr-bot web link` cannot make links for it): logged as a warning.
    """
    path = path or default_secret_path()
    try:
        return _read_or_create(path)
    except OSError as exc:
        log.warning(
            "web secret: cannot keep one in %s (%s); using one for this process only "
            "(set GDPRBOT_WEB_SECRET)",
            path,
            exc.strerror,
        )
        return secrets.token_hex(32).encode("ascii")


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Written whole beside it, then linked into place: a process starting at the same
        # moment either wins the link or reads the complete file of the one that did.
        partial = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            try:
                os.link(partial, path)
                log.info("web secret generated for this machine", extra={"path": str(path)})
            except FileExistsError:
                pass
        finally:
            partial.unlink(missing_ok=True)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise OSError(0, f"{path} holds no usable secret")
    return secret.encode("ascii")
