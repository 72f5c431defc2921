"""`gdpr-bot clients check [PATH...]` and `gdpr-bot clients list [--json]`.

Exit codes: 0 ok; 1 the directory has problems (each printed as `path:line: field: problem`);
2 a usage or environment error, such as a path that does not exist (one line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.cli.errors import broken_files
from bot.config import Settings
from clients import Client, ClientsError, Directory, check_directory, load_directory

app = typer.Typer(
    help="The client directory: the companies you answer for (GDPRBOT_CLIENTS).",
    no_args_is_help=True,
)

EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def _paths(given: list[Path] | None) -> list[Path]:
    """The paths to read (given, else GDPRBOT_CLIENTS); exit 2 if one does not exist."""
    try:
        paths = list(given) if given else Settings().clients_paths
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        typer.echo(f"error: bad setting {where}: {first['msg']}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    for path in paths:
        if not path.exists():
            source = "" if given else " (named by GDPRBOT_CLIENTS)"
            typer.echo(f"error: {path}{source} does not exist", err=True)
            raise typer.Exit(EXIT_USAGE)
    return paths


def _where(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths)


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Client files or folders (default: those in GDPRBOT_CLIENTS)."),
    ] = None,
) -> None:
    """Validate the directory: every problem as `path:line: field: problem`, exit 1 if any."""
    chosen = _paths(paths)
    if not chosen:
        typer.echo("ok: no client directory configured (GDPRBOT_CLIENTS is empty)")
        return
    problems = check_directory(chosen)
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in the client directory", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    count = len(load_directory(chosen))
    typer.echo(f"ok: {count} client{'' if count == 1 else 's'} in {_where(chosen)}")


def _directory(paths: list[Path]) -> Directory:
    try:
        return load_directory(paths)
    except ClientsError as exc:
        # the configured directory is this command's environment (2, as for `ask` and
        # `requests`); only `clients check` reports the problems it found as 1
        raise broken_files(
            "the client directory is broken", exc.problems, "gdpr-bot clients check"
        ) from None


def _contact(client: Client) -> str:
    return ", ".join(value for _kind, value in client.rights_requests.contacts())


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
) -> None:
    """Every client: id, name, controller, where requests go, channels (tab-separated)."""
    chosen = _paths(None)
    directory = _directory(chosen) if chosen else Directory()
    if as_json:
        typer.echo(json.dumps([c.as_json() for c in directory], ensure_ascii=False, indent=2))
        return
    if not chosen:
        typer.echo("no client directory configured (GDPRBOT_CLIENTS is empty)", err=True)
        return
    for client in directory:
        channels = ", ".join(client.channels) or "-"
        typer.echo(
            f"{client.id}\t{client.name}\t{client.controller}\t{_contact(client)}\t{channels}"
        )
