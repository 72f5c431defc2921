"""Logging configured once, in text or JSON.

Log events, never users' message text, names or e-mail addresses: callers pass
identifiers such as an event id or an opaque person key in `extra=`. A logged exception
(`log.exception`, `exc_info=`) shows its frames and types but no message
(`format_exception_safely`): a message can quote a payload.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else came from `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


WITHHELD = "(message withheld: it may quote what people wrote)"


def format_exception_safely(exc_info: Any) -> str:
    """A traceback with every frame and exception type, but no exception's message: a
    message may quote a payload, a question or an id (`KeyError('U0123')`), and logs hold
    none of those. The frames and types say where and what; a command's own failure
    still shows in full with `--debug` (bot/cli/errors.py), which is not logging."""
    exception = traceback.TracebackException(*exc_info)
    chain: list[tuple[traceback.TracebackException, str]] = []
    link = ""
    current: traceback.TracebackException | None = exception
    while current is not None:
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception:"
        else:
            current = None
    lines: list[str] = []
    for one, followed_by in reversed(chain):
        kind = getattr(one, "exc_type", None)
        name = f"{kind.__module__}.{kind.__qualname__}" if kind is not None else "Exception"
        lines += ["Traceback (most recent call last):\n", *one.stack.format(),
                  f"{name}: {WITHHELD}\n"]  # fmt: skip
        if followed_by:
            lines.append(f"\n{followed_by}\n\n")
    return "".join(lines).rstrip("\n")


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return format_exception_safely(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update(_extra_fields(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatException(self, ei: Any) -> str:
        return format_exception_safely(ei)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = _extra_fields(record)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return line


NOISY_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "botbuilder",
    "msrest",
    "aiohttp.access",
    "apscheduler",
    "bm25s",
    "urllib3",  # a line per request, whose URL carries Teams conversation and user ids
)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Install one stderr handler on the root logger; safe to call more than once."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party libraries log request bodies at DEBUG; keep them quiet.
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
