"""`gdpr-bot insights [--since DATE] [--format text|csv|json]`: what people ask the bot.

Figures come from the anonymous question log only: top unanswered questions (near
duplicates grouped), articles with most 👎, most asked articles, answer rate per
language and per ISO week. CSV is UTF-8 with a BOM (Excel shows å ä ö right).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli.errors import require_database
from bot.config import Settings
from bot.features import insights_figures as render
from bot.records import insights
from storage.clock import utc_now
from storage.migrate import create_schema, engine_from_url
from storage.sessions import session_factory, transaction

EXIT_BAD_INPUT = 2


class Format(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


class Lang(StrEnum):
    sv = "sv"
    en = "en"


def start_of_day(day: str, timezone: str) -> datetime:
    """Midnight of an ISO date in the installation's time zone."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        typer.echo(f"error: --since must be an ISO date such as 2027-01-01, not {day!r}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    return datetime.combine(parsed, time.min, tzinfo=ZoneInfo(timezone))


def insights_command(
    since: Annotated[
        str, typer.Option("--since", help="Only questions asked on or after this ISO date.")
    ] = "",
    fmt: Annotated[Format, typer.Option("--format", help="text, csv or json.")] = Format.text,
    lang: Annotated[
        Lang | None, typer.Option("--lang", help="Language of the text format.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="Rows per list.")] = 10,
    out: Annotated[Path | None, typer.Option("--out", help="Write here, not stdout.")] = None,
) -> None:
    """Question insights for knowledge owners: gaps, 👎, most asked, answer rates."""
    settings = Settings()
    start = start_of_day(since, settings.timezone) if since else None
    engine = engine_from_url(require_database(settings.database_url))
    try:
        create_schema(engine)
        with transaction(session_factory(engine)) as session:
            figures = insights.compute_insights(session, now=utc_now(), since=start, top=top)
    finally:
        engine.dispose()
    if fmt is Format.csv:
        text = render.render_csv(figures)
    elif fmt is Format.json:
        text = render.render_json(figures)
    else:
        text = render.render_text(figures, (lang.value if lang else settings.default_language))
    if out is None:  # a CSV ends in its own CRLF: no extra line after it
        typer.echo(text, nl=fmt is not Format.csv)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("insights")(insights_command)
