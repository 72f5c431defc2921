"""`gdpr-bot audit verify [--head HASH]` and `gdpr-bot audit head`: the evidence ledger.

Exit codes of `verify`: 0 the chain is intact, 1 it is broken (the first tampered entry is
named), 2 the database could not be read.
"""

from __future__ import annotations

import typer

from bot.cli.errors import require_database
from bot.config import Settings
from routines import ledger
from storage.engines import make_engine as engine_from_url

app = typer.Typer(
    help="The evidence ledger: verify the hash chain, print its head.", no_args_is_help=True
)

EXIT_BROKEN = 1
EXIT_UNREADABLE = 2


@app.command("verify")
def verify_command(
    head: str = typer.Option(
        "",
        "--head",
        help="A head hash witnessed earlier (e.g. the weekly seal); detects a truncated tail.",
    ),
) -> None:
    """Recompute the whole hash chain; exit 1 naming the first entry that was tampered with."""
    witnessed = head.strip().lower() or None
    if witnessed is not None and not _is_sha256(witnessed):
        typer.echo("--head must be a 64-character hex SHA-256 hash", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    engine = engine_from_url(require_database(Settings().database_url))
    try:  # an unreadable database is one line and exit 2 (bot/cli/errors.py), never 1
        result = ledger.verify(engine, head=witnessed)
    finally:
        engine.dispose()
    for line in result.lines():
        typer.echo(line, err=not result.ok and line.startswith("result:"))
    if not result.ok:
        raise typer.Exit(EXIT_BROKEN)


@app.command("head")
def head_command() -> None:
    """Print the ledger's last sequence number and hash (`<seq> <hash>`)."""
    engine = engine_from_url(require_database(Settings().database_url))
    try:
        seq, digest = ledger.head(engine)
    finally:
        engine.dispose()
    typer.echo(f"{seq} {digest}")


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
