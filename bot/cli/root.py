"""The `gdpr-bot` command line (typer). One module per command in `bot/cli/`.

Start-up cost matters for one-shot commands (`gdpr-bot ask` is called from scripts): the
command modules between them import SQLAlchemy, alembic, the knowledge engine and more, so
`main` imports only the module of the command being run. The full app (every command, for
`gdpr-bot --help` and for tests) is built on first access to `bot.cli.app`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from bot.cli.blas import limit_blas_threads
from bot.cli.errors import DEBUG_FLAG, OneLineErrors, set_debug

HELP = "gdpr-bot: GDPR answers, routines and evidence in Slack, Teams and the console."

# command name -> (module in bot.cli, how it attaches: "register" or a sub-app name)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("chat", "register"),
    "chat": ("chat", "register"),
    "ask": ("ask", "register"),
    "kb": ("kb", "kb"),
    "quiz": ("quiz", "quiz"),
    "routines": ("routines", "routines"),
    "clients": ("clients", "clients"),
    "requests": ("requests", "requests"),
    "audit": ("audit", "audit"),
    "report": ("report", "register"),
    "insights": ("insights", "register"),
    "privacy": ("privacy", "privacy"),
    "db": ("db", "db"),
    "web": ("web", "web"),
    "doctor": ("doctor", "register"),
}


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI with every command, or with just the one named `only` (and its siblings
    from the same module), so a one-shot command imports nothing it does not use."""
    cli = typer.Typer(
        name="gdpr-bot",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        cls=OneLineErrors,
        pretty_exceptions_enable=False,
    )

    @cli.callback()
    def _root(
        debug: bool = typer.Option(
            False, DEBUG_FLAG, help="Show the traceback of an error instead of one line."
        ),
    ) -> None:
        # also keeps typer in group mode when only one command is registered
        set_debug(debug)
        _warn_unknown_settings()

    chosen = [COMMANDS[only]] if only in COMMANDS else list(COMMANDS.values())
    done: set[str] = set()
    for module_name, attach in chosen:
        if module_name in done:
            continue
        done.add(module_name)
        module = importlib.import_module(f"bot.cli.{module_name}")
        if attach == "register":
            module.register(cli)
        else:
            cli.add_typer(module.app, name=attach)
    return cli


def _warn_unknown_settings() -> None:
    import os

    if not any(name.startswith("GDPRBOT_") for name in os.environ) and not os.path.isfile(".env"):
        return  # nothing to look at: no need to import the settings for it
    from bot.config import Settings
    from bot.env_file import unknown_names

    for warning in unknown_names(Settings.names(), dict(os.environ)):
        typer.echo(f"warning: {warning}", err=True)


_full: list[typer.Typer] = []


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        if not _full:
            _full.append(build_app())
        return _full[0]
    raise AttributeError(name)


def _command_name(argv: Sequence[str]) -> str | None:
    """The sub-command in argv (the first non-option argument), if it is one we know."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def main() -> None:
    limit_blas_threads()  # first: before any command module imports numpy
    args = sys.argv[1:]
    if DEBUG_FLAG in args:  # accepted anywhere: `gdpr-bot audit verify --debug`
        args = [DEBUG_FLAG, *(arg for arg in args if arg != DEBUG_FLAG)]
    build_app(_command_name(args))(args)


if __name__ == "__main__":
    main()
