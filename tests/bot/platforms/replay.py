"""Shared by the replay tests: read a payload fixture (payloads/<platform>/*.json), and
check what the bot logged while it worked on it.

A fixture is our own JSON, written from a platform's documented payload with fake ids:
`about` (what it is), `source` (where the shape is documented), `expect` (what the bot
must do with it), optional hints for the test, and `body` (the payload itself, with
`{response_url}` / `{service_url}` standing for the local fakes' addresses).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"

_PLAIN_RECORD = frozenset(vars(logging.makeLogRecord({})))


def fixture_files(platform: str) -> list[Path]:
    return sorted((PAYLOADS / platform).glob("*.json"))


def load(path: Path, **addresses: str) -> dict[str, Any]:
    """The fixture with each `{name}` in its body replaced by `addresses[name]`."""
    fixture: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    body = json.dumps(fixture["body"], ensure_ascii=False)
    for name, address in addresses.items():
        body = body.replace("{" + name + "}", address)
    fixture["body"] = json.loads(body)
    return fixture


def logged(record: logging.LogRecord) -> str:
    """A record's message and every extra field, as a JSON log line would carry them."""
    extras = {k: v for k, v in vars(record).items() if k not in _PLAIN_RECORD}
    return f"{record.getMessage()} {extras!r}"


def assert_logs_clean(records: Iterable[logging.LogRecord], secrets: Sequence[str]) -> None:
    """No traceback, and no platform id, name or word of a message, in any record."""
    records = list(records)
    tracebacks = [record.getMessage() for record in records if record.exc_info]
    assert not tracebacks, tracebacks
    leaks = [
        line
        for line in map(logged, records)
        if any(secret.lower() in line.lower() for secret in secrets)
    ]
    assert not leaks, leaks[:3]
