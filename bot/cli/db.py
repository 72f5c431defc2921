"""`gdpr-bot db ...`: schema migrations."""

from __future__ import annotations

import typer

from bot.cli.errors import require_database
from bot.config import Settings
from storage.migrate import current_revision, engine_from_url, head_revision, upgrade

app = typer.Typer(help="Database schema: upgrade and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration to GDPRBOT_DATABASE_URL (safe to run on every replica)."""
    engine = engine_from_url(Settings().database_url)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    typer.echo(f"schema: {before or 'empty'} -> {after}")
    engine.dispose()


@app.command("status")
def status_command() -> None:
    """Print the database's schema revision and the newest one this version knows."""
    engine = engine_from_url(require_database(Settings().database_url))
    current = current_revision(engine)
    head = head_revision()
    typer.echo(f"database: {current or 'empty'}\ncode:     {head}")
    engine.dispose()
    if current != head:
        raise typer.Exit(1)
