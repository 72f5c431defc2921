"""One error path for every command: a failure is one line on stderr and an exit code.

Exit codes: 0 ok, 1 a verification failed or a check found problems (the commands say
so themselves), 2 a usage or environment error: a setting, the database, a file, input.
`OneLineErrors` is the root command group (bot/cli/root.py): an exception that escapes a
command is described in one line (what failed, which setting or file, what to do) and
exits 2. `--debug` (anywhere on the command line) or `GDPRBOT_LOG_LEVEL=DEBUG` lets the
traceback through instead.

SQLite: a URL whose folder does not exist is refused by every command
(`storage.engines.check_url`); commands that only work on existing records (audit,
report, insights, privacy, db status) also refuse a SQLite file that does not
exist (`require_database`), so a mistyped path is an error, not a new empty database.
`run`, `chat`, `db upgrade`, `routines run-due` and `web link` (the first set-up)
create it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

EXIT_PROBLEMS = 1
EXIT_ENVIRONMENT = 2
DEBUG_FLAG = "--debug"

_debug = [False]


def usage_error(message: str) -> typer.Exit:
    """Print `error: message` (one line on stderr); the caller raises the returned Exit (2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_ENVIRONMENT)


def broken_files(what: str, problems: Sequence[object], check: str) -> typer.Exit:
    """One line for configured files that do not load (`what` is broken): the first
    problem as `path:line: field: problem` and the command that lists them all; the
    caller raises the returned Exit (2: the files are this command's environment)."""
    more = len(problems) - 1
    tail = f" (and {more} more: {check})" if more > 0 else f" ({check})"
    first = str(problems[0]) if problems else "no details"
    typer.echo(f"error: {what}: {' '.join(first.split())}{tail}", err=True)
    return typer.Exit(EXIT_ENVIRONMENT)


def check_report_out(fmt: str, out: Path | None) -> None:
    """A report's --out: a zip is not written to a terminal, and the folder must exist;
    without --out, standard output must be open (checked before anything is recorded)."""
    if out is None and sys.stdout is None:  # `gdpr-bot report ... >&-`
        raise usage_error("standard output is closed: give --out FILE")
    if out is None and fmt == "zip" and sys.stdout.isatty():
        raise usage_error("a zip package is binary: give --out FILE")
    if out is not None and not out.parent.is_dir():
        raise usage_error(f"--out: the folder {out.parent} does not exist")
    if out is not None and out.is_dir():  # checked before anything is recorded as exported
        raise usage_error(f"--out: {out} is a folder; give a file name")


def set_debug(on: bool) -> None:
    _debug[0] = on


def debugging() -> bool:
    """`--debug`, or GDPRBOT_LOG_LEVEL=DEBUG in the environment or `.env` (read here as
    text: the settings themselves may be what failed)."""
    from bot.env_file import env_file_value

    level = os.environ.get("GDPRBOT_LOG_LEVEL")
    if level is None:  # quietly: a broken .env may be the error being described
        level = env_file_value("GDPRBOT_LOG_LEVEL")
    return _debug[0] or (level or "").strip().upper() == "DEBUG"


class EnvironmentProblem(RuntimeError):
    """Something outside the code is wrong; the message says what and what to do."""


class OneLineErrors(TyperGroup):
    """The root group: a command's unexpected exception becomes one line and exit 2, and
    so does a usage error (an unknown command or option, a bad option value)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
        from typer.exceptions import Abort

        extra.update(args=args, prog_name=prog_name, complete_var=complete_var,
                     windows_expand_args=windows_expand_args)  # fmt: skip
        if not standalone_mode:
            return super().main(standalone_mode=False, **extra)
        try:
            result = super().main(standalone_mode=False, **extra)
        except UsageError as exc:
            if isinstance(exc, NoArgsIsHelpError):  # `gdpr-bot audit`: the help
                exc.show()
                sys.exit(exc.exit_code)
            where = exc.ctx.command_path if exc.ctx is not None else "gdpr-bot"
            message = " ".join(exc.format_message().split())
            typer.echo(f"error: {message} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except ClickException as exc:
            typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            sys.exit(exc.exit_code)
        except Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        # without standalone mode an exit's code comes back as the result; a command's own
        # return value is ignored, as in standalone mode
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if _is_click_flow(exc) or debugging():
                raise
            typer.echo(f"gdpr-bot: {describe(exc)}", err=True)
            raise typer.Exit(EXIT_ENVIRONMENT) from None


def _is_click_flow(exc: Exception) -> bool:
    """typer's own exits, aborts and usage errors: they carry their code and message."""
    module = type(exc).__module__
    return module.startswith(("typer", "click"))


def describe(exc: BaseException) -> str:
    """One line for an exception: what failed and what to do. No URL, text or people."""
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from storage.engines import DatabaseUrlError

    if isinstance(exc, EnvironmentProblem):
        return str(exc)
    if isinstance(exc, DatabaseUrlError):
        return f"GDPRBOT_DATABASE_URL: {exc}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or exc.title
        return f"setting {_setting_name(where)}: {first['msg']}"
    if isinstance(exc, DBAPIError) or _driver_error(exc):
        return _database_problem(exc)
    if isinstance(exc, SQLAlchemyError):
        return f"database error ({type(exc).__name__}); check GDPRBOT_DATABASE_URL"
    if isinstance(exc, UnicodeError):
        return "the input is not UTF-8 text"
    if isinstance(exc, OSError):
        return _os_problem(exc)
    if isinstance(exc, ValueError) and _ours(exc) and str(exc):
        return _first_line(str(exc))  # the project's own errors (SettingsError, ...)
    return f"unexpected error ({type(exc).__name__}); run again with --debug for the details"


def _driver_error(exc: BaseException) -> bool:
    """An error straight from the database driver (a raw cursor: the ledger's stream)."""
    import sqlite3

    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def _ours(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("bot", "routines", "knowledge", "storage")


def _setting_name(field: str) -> str:
    return field if field.startswith("GDPRBOT_") else f"GDPRBOT_{field.upper()}"


def _database_problem(exc: Any) -> str:
    reason = _first_line(str(getattr(exc, "orig", None) or exc))
    lowered = reason.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return "the database has no schema yet: run `gdpr-bot db upgrade`"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the database cannot be written ({reason}); check the data folder's permissions"
    return f"database unavailable ({reason}); check GDPRBOT_DATABASE_URL and the server"


def _os_problem(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]


def require_database(url: str) -> str:
    """Refuse a SQLite file that does not exist (a mistyped path would otherwise become a
    new, empty database); other databases are checked when connecting."""
    from storage.engines import check_url, sqlite_file

    path = sqlite_file(check_url(url))
    if path is not None and not path.exists():
        raise EnvironmentProblem(
            f"GDPRBOT_DATABASE_URL: no SQLite database at {path}; check the path, or create "
            "it with `gdpr-bot db upgrade`"
        )
    return url
