"""The ledger key: entries are HMAC-SHA256 with a secret kept outside the database.

Without a key an entry's hash is SHA-256 over public data, so anyone with write access
to the database can rewrite or extend the chain and recompute every hash. With a key
(`GDPRBOT_LEDGER_KEY`, or the file named by `GDPRBOT_LEDGER_KEY_FILE`) each new entry's
hash is HMAC-SHA256(key, prev_hash + payload) and the entry names the key by its id (a
fingerprint, never the key), so keys can be rotated: the first key signs new entries,
the others only verify older ones. Entries made before any key existed (`key_id` NULL)
still verify as they are; an unkeyed entry *after* a keyed one is a forgery.

The keys are process-wide: the composition root and the CLI call `use_keys` once at
start, from the settings.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIN_KEY_LENGTH = 32


class LedgerKeyError(ValueError):
    """A key that is too short, or a key file that cannot be read."""


def key_id_for(secret: bytes) -> str:
    """`k` + 12 hex digits of a domain-separated SHA-256 of the key: names it, reveals nothing."""
    return "k" + hashlib.sha256(b"gdpr-bot ledger key id\x00" + secret).hexdigest()[:12]


@dataclass(frozen=True)
class LedgerKeys:
    """The signing key (first) and every key entries may be verified with, by id."""

    signing: str | None = None  # key id of the key new entries are made with
    secrets: Mapping[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, keys: Iterable[str]) -> LedgerKeys:
        found: dict[str, bytes] = {}
        signing = None
        for text in keys:
            text = text.strip()
            if not text:
                continue
            if len(text) < MIN_KEY_LENGTH:
                raise LedgerKeyError(
                    f"a ledger key must be at least {MIN_KEY_LENGTH} characters "
                    "(e.g. `openssl rand -hex 32`)"
                )
            secret = text.encode("utf-8")
            key_id = key_id_for(secret)
            found.setdefault(key_id, secret)
            signing = signing or key_id
        return cls(signing, found)

    @property
    def configured(self) -> bool:
        return self.signing is not None

    def digest(self, key_id: str | None, prev_hash: str, payload: str) -> str | None:
        """The entry hash under `key_id` (None: plain SHA-256); None if the key is unknown."""
        message = (prev_hash + payload).encode("utf-8")
        if key_id is None:
            return hashlib.sha256(message).hexdigest()
        secret = self.secrets.get(key_id)
        if secret is None:
            return None
        return hmac.digest(secret, message, "sha256").hex()  # one-shot: C speed


def hmac_sha256_states(secret: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256 (RFC 2104) with the key's two pad blocks hashed once: (inner, outer).

    Per message: `i = inner.copy(); i.update(m); o = outer.copy(); o.update(i.digest())`,
    then `o.hexdigest()` is `hmac.digest(secret, m, "sha256").hex()`. `audit verify` makes
    a million of these; `hmac.digest` sets the key up again each time (twice as slow).
    """
    block = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
    block = block.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def read_keys(key: str = "", key_file: str = "") -> LedgerKeys:
    """Keys from the setting and the file (one key per line; the first line signs)."""
    texts = [key] if key.strip() else []
    if key_file:
        try:
            # -sig: a byte-order mark (Notepad) is not part of the key the vault holds
            lines = Path(key_file).read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise LedgerKeyError(
                f"GDPRBOT_LEDGER_KEY_FILE: cannot read {key_file}: {reason}"
            ) from exc
        except UnicodeDecodeError:
            raise LedgerKeyError(f"GDPRBOT_LEDGER_KEY_FILE: {key_file} is not UTF-8 text") from None
        found = [line for line in lines if line.strip() and not line.startswith("#")]
        if not found:  # a secret mount not filled in: running on without a key would
            # append unkeyed entries after keyed ones, which verify as forged for ever
            raise LedgerKeyError(
                f"GDPRBOT_LEDGER_KEY_FILE: {key_file} holds no key (one a line, the first signs)"
            )
        texts.extend(found)
    return LedgerKeys.of(texts)


NO_KEY_WARNING = (
    "NO LEDGER KEY: evidence can be forged by anyone with write access to the database; "
    "set GDPRBOT_LEDGER_KEY or GDPRBOT_LEDGER_KEY_FILE (README, 'The evidence ledger')"
)

_keys: list[LedgerKeys] = [LedgerKeys()]


def configure_keys(key: str = "", key_file: str = "", *, warn: bool = False) -> LedgerKeys:
    """Read the keys from the settings' values and make them the process's keys; with
    `warn`, log the loud warning when there is none (the bot at start)."""
    keys = read_keys(key, key_file)
    use_keys(keys)
    if warn and not keys.configured:
        logging.getLogger(__name__).warning(NO_KEY_WARNING)
    return keys


def use_keys(keys: LedgerKeys) -> None:
    """Make `keys` the process's ledger keys (at start, from the settings)."""
    _keys[0] = keys


def current_keys() -> LedgerKeys:
    return _keys[0]
