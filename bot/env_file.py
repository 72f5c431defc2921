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


# GDPRBOT_ names that are not settings of the bot: the test suite's and the screenshots'
NOT_SETTINGS_PREFIXES = ("GDPRBOT_TEST_", "GDPRBOT_SCREENSHOTS")


def unknown_names(known: set[str], environ: dict[str, str], path: Path = ENV_FILE) -> list[str]:
    """A warning for each GDPRBOT_ variable (environment or `path`) that is no setting,
    with the setting it is likely a typo of: pydantic-settings ignores it without a word,
    so `GDPRBOT_DATABASE_UR=…` would leave the database at its default."""
    from difflib import get_close_matches

    from dotenv.parser import parse_stream

    names = {name for name in environ if name.startswith("GDPRBOT_")}
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):  # no .env, or a broken one the settings report
        text = ""
    names |= {b.key for b in parse_stream(io.StringIO(text)) if b.key and not b.error
              and b.key.upper().startswith("GDPRBOT_")}  # fmt: skip
    warnings = []
    for name in sorted(names):
        if name.upper() in known or name.upper().startswith(NOT_SETTINGS_PREFIXES):
            continue
        close = get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else " (see README, Settings)"
        warnings.append(f"{name} is not a setting{hint}; it is ignored")
    return warnings
