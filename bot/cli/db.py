"""`gdpr-bot db ...`: schema migrations."""

from __future__ import annotations

import typer
from sqlalchemy import Engine

from bot.cli.errors import require_database
from bot.config import Settings
from storage.migrate import current_revision, engine_from_url, head_revision, upgrade

app = typer.Typer(help="Database schema: upgrade and status.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command(
    app_role: str = typer.Option(
        "",
        "--app-role",
        help="PostgreSQL: after migrating (as the owner role in the URL), grant this role "
        "what the bot needs; on the ledger only INSERT and SELECT.",
    ),
) -> None:
    """Apply every pending migration to GDPRBOT_DATABASE_URL (safe to run on every replica)."""
    engine = engine_from_url(Settings().database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
        typer.echo(f"schema: {before or 'empty'} -> {after}")
        if app_role:
            _grant(engine, app_role)
    finally:
        engine.dispose()


@app.command("grant")
def grant_command(
    role: str = typer.Argument(help="The PostgreSQL role the bot connects as."),
) -> None:
    """Grant the bot's application role its rights (run as the owner role, after upgrade)."""
    engine = engine_from_url(require_database(Settings().database_url))
    try:
        _grant(engine, role)
    finally:
        engine.dispose()


def _grant(engine: Engine, role: str) -> None:
    from storage.roles import RoleError, grant_app_role

    try:
        grant_app_role(engine, role)
    except RoleError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"granted {role}: the ledger INSERT and SELECT only, the other tables read/write")


@app.command("status")
def status_command() -> None:
    """Print the database's schema revision and the newest one this version knows."""
    engine = engine_from_url(require_database(Settings().database_url))
    current = current_revision(engine)
    head = head_revision()
    typer.echo(f"database: {current or 'empty'}\ncode:     {head}")
    from storage.roles import ledger_owned_by_current_user

    if current is not None and ledger_owned_by_current_user(engine):
        typer.echo(
            "warning: this role owns the evidence ledger, so it could disable the append-only "
            "triggers: run the bot as an application role (gdpr-bot db upgrade --app-role)",
            err=True,
        )
    engine.dispose()
    if current != head:
        raise typer.Exit(1)
