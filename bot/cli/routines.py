"""`gdpr-bot routines check|list|upcoming|run-due`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.cli import pretend
from bot.cli.errors import broken_files, usage_error
from bot.cli.keys import use_ledger_keys
from bot.config import Settings
from routines.catalog import Catalog, CatalogError, Routine, Target, check_files, load_catalog
from routines.engine.occurrences import SHIFT_MARGIN, slots
from routines.ports import Delivered, Notice, Notifier, Recipient

app = typer.Typer(help="The routine catalogue and schedule.", no_args_is_help=True)

EXIT_PROBLEMS = 1


def _catalog(settings: Settings) -> Catalog:
    try:
        return load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except CatalogError as exc:
        # the configured catalogue is this command's environment (2, as chat, run and
        # report --training say); only `routines check` reports problems found as 1
        raise broken_files(
            "the routine catalogue is broken", exc.problems, "gdpr-bot routines check"
        ) from None


@app.command("check")
def check(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Catalogue files (default: those in GDPRBOT_ROUTINES_FILE)."),
    ] = None,
) -> None:
    """Validate catalogue files over the shipped one: `path:line: field: problem`, exit 1."""
    settings = Settings()
    paths = list(files) if files else settings.routines_paths
    # a path that is not there is a usage error (2), as for kb, quiz and clients check,
    # not a problem found in a catalogue (1)
    for path in paths:
        if not path.is_file():
            where = "" if files else " (GDPRBOT_ROUTINES_FILE)"
            what = "a folder; name the catalogue file" if path.is_dir() else "no such file"
            raise usage_error(f"{path}{where}: {what}")
    problems = check_files(paths, default_timezone=settings.timezone)
    for problem in problems:
        typer.echo(problem)
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    count = len(load_catalog(paths, default_timezone=settings.timezone).routines)
    typer.echo(f"ok: {count} routines")


def _language(lang: str, settings: Settings) -> str:
    if lang and lang not in ("sv", "en"):
        typer.echo(f"error: --lang: expected sv or en, not {lang!r}", err=True)
        raise typer.Exit(2)
    return lang or settings.default_language


def _schedule_text(routine: Routine) -> str:
    rule = routine.schedule
    return (
        rule.cron
        or (f"every {_every_text(rule.every.months, rule.every.days)}" if rule.every else "")
        or ", ".join(d.isoformat() for d in rule.dates)
    )


@app.command("list")
def list_(
    lang: Annotated[str, typer.Option(help="sv or en: titles in that language")] = "",
) -> None:
    """Every routine: id, schedule, GDPR articles, title (disabled ones marked)."""
    settings = Settings()
    language = _language(lang, settings)
    for routine in _catalog(settings).routines:
        schedule = _schedule_text(routine)
        flag = "" if routine.enabled else "  (disabled)"
        gdpr = ", ".join(routine.gdpr)
        typer.echo(
            f"{routine.id}\t{schedule}\t{gdpr}\t{routine.text(routine.title, language)}{flag}"
        )


@app.command("show")
def show(
    routine_id: Annotated[str, typer.Argument(help="The routine's id (see `routines list`).")],
    lang: Annotated[str, typer.Option(help="sv or en")] = "",
) -> None:
    """One routine in full: texts, schedule, who it goes to and the next dates."""
    settings = Settings()
    language = _language(lang, settings)
    routine = _catalog(settings).get(routine_id)
    if routine is None:
        typer.echo(f"error: no routine {routine_id!r} (gdpr-bot routines list)", err=True)
        raise typer.Exit(2)
    for label, value in _details(routine, language):
        if value:
            typer.echo(f"{label + ':':<14}{value}")


def _targets(targets: Sequence[Target]) -> str:
    return ", ".join(f"{t.platform} {t.kind} {t.address}" for t in targets)


def _details(routine: Routine, lang: str) -> list[tuple[str, str]]:
    today = datetime.now(ZoneInfo(routine.timezone)).date()
    ahead = slots(routine, today - SHIFT_MARGIN, today + timedelta(days=400))
    upcoming = [slot.post_date for slot in ahead if slot.post_date >= today][:3]
    people = _targets(routine.assignees.people)
    if routine.assignees.anyone_in_channel:
        people = "anyone in the channel"
    remind = routine.remind
    escalate = routine.escalate
    return [
        ("id", routine.id + ("" if routine.enabled else "  (disabled)")),
        ("title", routine.text(routine.title, lang)),
        ("description", routine.text(routine.description, lang) if routine.description else ""),
        ("gdpr", ", ".join(f"art. {ref}" for ref in routine.gdpr)),
        ("kind", routine.kind),
        ("schedule", f"{_schedule_text(routine)} at {routine.time.strftime('%H:%M')} "
                     f"{routine.timezone}" + (", business days" if routine.business_days else "")),
        ("due", f"{_days(routine.due_days)} after posting"),
        ("posted to", _targets(routine.post_to) or "the console"),
        ("assignees", f"{people} (confirm: {routine.assignees.confirm})" if people else ""),
        ("reminders", ", ".join([*(f"{_days(d)} before" for d in remind.before),
                                 *([f"every {_days(remind.every)} when overdue"]
                                   if remind.every else [])])),
        ("escalation", f"after {_days(escalate.after_days)} to {_targets(escalate.to)}"
                       if escalate else ""),
        ("evidence", routine.evidence),
        ("next", ", ".join(d.isoformat() for d in upcoming) if routine.enabled else ""),
        ("defined at", routine.source),
    ]  # fmt: skip


def _every_text(months: int, days: int) -> str:
    if months:
        return {1: "month", 3: "quarter", 6: "half-year", 12: "year"}.get(
            months, f"{months} months"
        )
    return f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"


@app.command("upcoming")
def upcoming(
    days: Annotated[int, typer.Option(help="How many days ahead.", min=0)] = 120,
    start: Annotated[str, typer.Option("--from", help="First day (default: today).")] = "",
    lang: Annotated[str, typer.Option(help="sv or en")] = "",
) -> None:
    """Next occurrences, one per line: ISO date (after business-day shifting), id, title."""
    settings = Settings()
    language = _language(lang, settings)
    first = date.fromisoformat(start) if start else datetime.now(ZoneInfo(settings.timezone)).date()
    last = first + timedelta(days=days)
    rows = [
        (slot.post_date, routine.id, routine.text(routine.title, language))
        for routine in _catalog(settings).enabled
        for slot in slots(routine, first - SHIFT_MARGIN, last)  # shifting moves forward
        if first <= slot.post_date <= last
    ]
    for day, routine_id, title in sorted(rows):
        typer.echo(f"{day.isoformat()}  {routine_id}  {title}")


class ConsoleForEveryone:
    """With no chat platform configured, every notice is printed, saying where it would go."""

    def __init__(self) -> None:
        self._count = 0

    async def send(self, recipient: Recipient, notice: Notice) -> Delivered:
        from bot.platforms.console.notifier import render_notice_text

        self._count += 1
        typer.echo(f"--> {recipient.platform} {recipient.kind} {recipient.address}")
        typer.echo(render_notice_text(notice))
        return Delivered(recipient, f"console-{self._count}")

    async def update(self, delivered: Delivered, notice: Notice) -> None:
        typer.echo(f"--> update {delivered.message_id}")


@app.command("run-due")
def run_due(
    now: Annotated[
        str,
        typer.Option(
            help="Pretend it is this time (ISO; without a zone GDPRBOT_TIMEZONE), e.g. "
            "2027-01-04T09:00: a dry run that "
            "prints what would happen and writes nothing."
        ),
    ] = "",
    write: Annotated[bool, typer.Option("--write", help=pretend.WRITE_HELP)] = False,
) -> None:
    """Run one tick: create due occurrences, post, remind, escalate; print what it did.

    With --now it is a dry run (notices are printed, never sent; nothing is written)."""
    settings = Settings()
    catalog = _catalog(settings)
    moment = pretend.parse_now(now, settings.timezone)
    dry_run = pretend.check_write(moment, bool(now), write)
    use_ledger_keys(settings)
    if dry_run:
        typer.echo(pretend.dry_run_banner(moment))
    asyncio.run(_run_due(settings, catalog, moment, dry_run))


async def _run_due(settings: Settings, catalog: Catalog, moment: datetime, dry_run: bool) -> None:
    from bot.app import kind_providers
    from routines.service import RoutineService

    engine = pretend.engine_for(settings.database_url, dry_run)
    services = None
    notifier: Notifier
    if not dry_run and (settings.slack_configured or settings.teams_configured):
        from bot.app import build_services
        from bot.config import SettingsError

        try:
            services = build_services(settings)
        except SettingsError as exc:
            engine.dispose()
            typer.echo(f"Configuration error: {exc}", err=True)
            raise typer.Exit(code=2) from exc
        notifier = services.notifier
    else:
        notifier = ConsoleForEveryone()
    try:
        with pretend.sessions_for(engine, dry_run) as factory:
            service = RoutineService(
                factory,
                catalog,
                notifier,
                lease_seconds=settings.claim_lease_seconds,
                language=settings.default_language,
                providers=kind_providers(settings),
                concurrency=1 if dry_run else 8,
            )
            report = await service.tick(moment)
    finally:
        if services is not None:
            await services.close()
        engine.dispose()
    for line in report.lines():
        typer.echo(f"would have {line}" if dry_run and line.startswith("created ") else line)
    if dry_run:
        typer.echo("dry run: nothing was written")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
