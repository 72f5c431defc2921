"""The `.env` file and the environment, checked before the settings read them.

pydantic-settings reads `.env` through python-dotenv, which skips a line it cannot parse
with a warning that names neither the file nor the setting (the setting is then silently
its default), and fails with a bare UnicodeDecodeError on a file that is not UTF-8. Both
are a settings error here, naming the file and line (never the line's text: it may hold
a secret).
"""

from __future__ import annotations

import io
from pathlib import Path

ENV_FILE = Path(".env")


class EnvFileError(ValueError):
    """`.env` cannot be read as `NAME=value` lines; the message names file and line."""


def check_env_file(path: Path = ENV_FILE) -> None:
    """Raise EnvFileError when `path` exists but is not UTF-8 `NAME=value` lines."""
    from dotenv.parser import parse_stream

    if not path.is_file():
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EnvFileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EnvFileError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise EnvFileError(
                f"{path}:{binding.original.line}: not a NAME=value line (an unclosed quote?); "
                "fix or remove it"
            )


def env_file_value(name: str, path: Path = ENV_FILE) -> str | None:
    """`name`'s value in `path`, or None; quiet about lines it cannot parse (this is read
    on the error path, where the broken file may be the error being described)."""
    from dotenv.parser import parse_stream

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    found = None
    for binding in parse_stream(io.StringIO(text)):
        if not binding.error and binding.key == name:
            found = binding.value  # the last one wins, as in dotenv
    return found
