"""Keyed pseudonyms for log lines: tell two requests apart without writing an id.

`log_pseudonym(value)` is an HMAC-SHA256 of the value under a key made at process start
and never stored: the same event id gives the same 12 characters within one process (a
retry can be matched to its first delivery in the logs), and nobody can turn it back into
the Slack or Teams id, or compute it from an id, once the process is gone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

_KEY: Final = secrets.token_bytes(32)


def log_pseudonym(value: str | None) -> str | None:
    if not value:
        return None
    return hmac.new(_KEY, value.encode("utf-8"), hashlib.sha256).hexdigest()[:12]
