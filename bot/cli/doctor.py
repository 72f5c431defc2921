"""`gdpr-bot doctor`: everything an administrator can get wrong, one line per check.

Each line is `ok|warn|fail  <check>: <what was found / what to do>`. Exit 0 when nothing
failed (warnings allowed), 1 when a check failed, 2 when the settings do not even parse.
Nothing is written: the database write probe is rolled back, Slack is only asked
(auth.test, conversations.info), and a SQLite file that does not exist is not created.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import typer
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.cli.doctor_more import check_campaigns, check_web_secret
from bot.cli.errors import describe
from bot.config import Settings, SettingsError
from bot.env_file import unknown_names

Level = Literal["ok", "warn", "fail"]
SLACK_ID = re.compile(r"^[CGD][A-Z0-9]{4,}$")  # ids are upper case; names lower


@dataclass(frozen=True)
class Check:
    level: Level
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.level:<4}  {self.name}: {self.detail}"


def register(cli: typer.Typer) -> None:
    cli.command("doctor")(doctor)


def doctor() -> None:
    """Check settings, database, files, Slack and Teams; exit 0 ok, 1 a check failed,
    2 the settings do not parse."""
    try:
        settings = Settings()
    except (ValidationError, SettingsError) as exc:
        typer.echo(f"fail  settings: {describe(exc)}")
        raise typer.Exit(2) from None
    checks = asyncio.run(diagnose(settings))
    for check in checks:
        typer.echo(check.line())
    failed = sum(c.level == "fail" for c in checks)
    warned = sum(c.level == "warn" for c in checks)
    typer.echo(f"{len(checks)} checks: {failed} failed, {warned} warnings")
    if failed:
        raise typer.Exit(1)


async def diagnose(settings: Settings) -> list[Check]:
    """Every check, in the order an administrator would fix them."""
    checks = [*check_settings(settings)]
    checks.append(await asyncio.to_thread(check_embeddings, settings))
    checks += await asyncio.to_thread(lambda: list(check_database(settings)))
    checks += await asyncio.to_thread(lambda: list(check_files(settings)))
    checks += await check_chat(settings)
    return checks


# --- settings -----------------------------------------------------------------------------


def check_settings(settings: Settings) -> Iterator[Check]:
    yield Check("ok", "settings", "parsed (environment and .env)")
    for warning in unknown_names(Settings.names(), dict(os.environ)):
        yield Check("warn", "settings", warning)
    if not settings.slack_configured and not settings.teams_configured:
        yield Check("warn", "platforms", "neither Slack nor Teams is set up: console only")
    if settings.slack_bot_token and not (settings.slack_signing_secret or settings.slack_app_token):
        yield Check("fail", "slack settings",
                    "SLACK_BOT_TOKEN without SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN "
                    "(Socket Mode)")  # fmt: skip
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        yield Check("fail", "slack socket mode", "SLACK_APP_TOKEN must be an app-level xapp- token")
    yield from _teams_settings(settings)
    yield from _public_url(settings)
    for level, detail in check_web_secret(settings):
        yield Check(level, "web secret", detail)
    yield from _ledger_key(settings)


def check_embeddings(settings: Settings) -> Check:
    """The semantic signal loads and embeds one text (builtin model or the endpoint)."""
    try:
        encoder = settings.build_encoder()
    except SettingsError as exc:
        return Check("fail", "embeddings", str(exc))
    if encoder is None:
        return Check("ok", "embeddings", "off: answers use the lexical signal only")
    try:
        encoder.encode(["doctor"], "query")
    except Exception as exc:  # a missing model, an endpoint down or answering nonsense
        first = (str(exc).strip().splitlines() or [""])[0][:160]
        return Check("fail", "embeddings", f"{encoder.model_id} cannot embed "
                     f"({exc.__class__.__name__}: {first})")  # fmt: skip
    return Check("ok", "embeddings", f"{encoder.model_id} loads and embeds")


def _ledger_key(settings: Settings) -> Iterator[Check]:
    """Without a key the evidence ledger can be rewritten by anyone who can write to the
    database: a failure in production (PostgreSQL or an https public URL), else a warning."""
    from routines.ledger.keys import LedgerKeyError, read_keys

    try:
        keys = read_keys(settings.ledger_key, settings.ledger_key_file)
    except LedgerKeyError as exc:
        yield Check("fail", "ledger key", str(exc))
        return
    if keys.configured:
        yield Check("ok", "ledger key", f"set (signs as {keys.signing}, {len(keys.secrets)} "
                    "key(s) to verify with)")  # fmt: skip
        return
    level: Level = "fail" if settings.production_like else "warn"
    advice = "set GDPRBOT_LEDGER_KEY or GDPRBOT_LEDGER_KEY_FILE"
    why = "none: evidence can be forged by anyone with write access to the database"
    yield Check(level, "ledger key", f"{why}; {advice}")


def _ledger_signers(engine: Engine, settings: Settings) -> Iterator[Check]:
    """Every key that signed ledger entries must still be configured, or they cannot be
    verified (a lost or rotated-out key)."""
    from sqlalchemy import select

    from routines.ledger import LedgerEntry
    from routines.ledger.keys import read_keys
    from storage.sessions import session_factory, transaction

    try:
        known = set(read_keys(settings.ledger_key, settings.ledger_key_file).secrets)
        with transaction(session_factory(engine)) as session:
            used = set(session.scalars(select(LedgerEntry.key_id).distinct())) - {None}
    except Exception:  # a bad key or an old schema: the ledger key / migrations lines say so
        return
    missing = sorted(str(k) for k in used - known)
    if missing:
        advice = "add the old key as a later line of GDPRBOT_LEDGER_KEY_FILE"
        signed = f"entries signed with {', '.join(missing)}, which is not configured"
        yield Check("fail", "ledger keys", f"{signed}: {advice}")


def _teams_settings(settings: Settings) -> Iterator[Check]:
    app_id, password = settings.microsoft_app_id, settings.microsoft_app_password
    if not settings.teams_enabled or not (app_id or password):
        return
    if app_id and not password:
        yield Check("fail", "teams", "MicrosoftAppId without MicrosoftAppPassword")
    elif password and not app_id:
        yield Check("fail", "teams", "MicrosoftAppPassword without MicrosoftAppId")
    elif settings.microsoft_app_type.lower() == "singletenant" and not (
        settings.microsoft_app_tenant_id
    ):
        yield Check("fail", "teams", "a SingleTenant app needs MicrosoftAppTenantId")
    else:
        yield Check("ok", "teams", f"app id and password set ({settings.microsoft_app_type})")
        yield Check("warn", "teams token",
                    "not checked: obtaining a token needs Microsoft's login service")  # fmt: skip


def _public_url(settings: Settings) -> Iterator[Check]:
    url = settings.public_url.strip()
    slack_http = settings.slack_configured and not settings.slack_app_token
    needed_by = [
        name
        for name, needs in (("Teams", settings.teams_configured), ("Slack over HTTP", slack_http))
        if needs
    ]
    if not url:
        if needed_by:
            yield Check("fail", "public url", f"GDPRBOT_PUBLIC_URL is needed by "
                        f"{' and '.join(needed_by)} (https://<your host>)")  # fmt: skip
        return
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        yield Check("fail", "public url", f"not a URL: {url!r} (https://<your host>)")
    elif not url.startswith("https://") and needed_by:
        yield Check("fail", "public url", f"{' and '.join(needed_by)} need an https:// URL")
    else:
        yield Check("ok", "public url", url)


# --- database -----------------------------------------------------------------------------


def check_database(settings: Settings) -> Iterator[Check]:
    from storage.migrate import current_revision, engine_from_url, head_revision

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.exists():
            if _writable_dir(path.parent):
                yield Check("ok", "database", f"{path} does not exist yet: the bot creates it")
            else:
                why = f"{path} cannot be created: {path.parent} is not a writable folder"
                yield Check("fail", "database", why)
            return
    engine = engine_from_url(settings.database_url, statement_timeout_ms=5000)
    try:
        problem = _probe(engine)
        if problem:
            yield Check("fail", "database", problem)
            return
        yield Check("ok", "database", f"{url.get_backend_name()} reachable and writable")
        if url.get_backend_name() == "postgresql":
            yield _role(engine)
        current, head = current_revision(engine), head_revision()
        if current == head:
            yield Check("ok", "migrations", f"at {head}")
        elif current is None:
            yield Check("warn", "migrations", "empty database: `gdpr-bot db upgrade` "
                        "(the bot also upgrades at start)")  # fmt: skip
        else:
            yield Check("warn", "migrations", f"at {current}, code at {head}: run "
                        "`gdpr-bot db upgrade` (the bot also upgrades at start)")  # fmt: skip
        if current is not None:
            yield from _ledger_signers(engine, settings)
            yield from _delivery_problems(engine)
    finally:
        engine.dispose()


def _writable_dir(path: Path) -> bool:
    import os

    return path.is_dir() and os.access(path, os.W_OK)


def _probe(engine: Engine) -> str:
    """'' when a table can be created (and is rolled back at once), else what went wrong."""
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.execute(text("CREATE TABLE gdprbot_doctor_probe (id INTEGER)"))
                connection.execute(text("INSERT INTO gdprbot_doctor_probe (id) VALUES (1)"))
            finally:
                transaction.rollback()
    except Exception as exc:  # any driver error: say which, one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"cannot connect or write ({exc.__class__.__name__}: {first[:160]})"
    return ""


def _role(engine: Engine) -> Check:
    """The bot needs to own its database (it migrates at start), never to be superuser."""
    with engine.connect() as connection:
        superuser = connection.scalar(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        )
    if superuser:
        advice = "connected as a superuser: give the bot a role that owns its database "
        return Check("warn", "database role", advice + "and nothing more")
    return Check("ok", "database role", "not a superuser")


def _delivery_problems(engine: Engine) -> Iterator[Check]:
    from routines.engine.problems import open_problems
    from storage.sessions import session_factory, transaction

    try:
        with transaction(session_factory(engine)) as session:
            found = open_problems(session)
    except Exception as exc:  # a schema behind the code: said by the migrations line
        yield Check("warn", "routine deliveries", f"not checked ({exc.__class__.__name__})")
        return
    for problem in found:
        yield Check("fail", f"routine {problem.routine_id}",
                    f"occurrence {problem.occurrence_id} could not be posted in "
                    f"{problem.platform} channel {problem.channel}: {problem.problem}")  # fmt: skip


# --- files ----------------------------------------------------------------------------------


def check_files(settings: Settings) -> Iterator[Check]:
    from clients.loader import check_directory
    from knowledge import SHIPPED_DIR, check_knowledge
    from knowledge.quiz import QUIZ_DIR, check_quiz
    from routines.catalog import check_files as check_routines

    kinds = (
        ("knowledge base", lambda: check_knowledge([SHIPPED_DIR, *settings.knowledge_paths])),
        ("routines", lambda: check_routines(settings.routines_paths,
                                            default_timezone=settings.timezone)),
        ("clients", lambda: check_directory(settings.clients_paths)),
        ("quiz bank", lambda: check_quiz([QUIZ_DIR, *settings.quiz_paths])),
    )  # fmt: skip
    for name, run in kinds:
        try:
            problems = [str(p) for p in run()]
        except OSError as exc:
            problems = [f"{exc.filename}: {exc.strerror}"]
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            yield Check("fail", name, problems[0] + more)
        else:
            yield Check("ok", name, "valid")
    for level, detail in check_campaigns(settings):
        yield Check(level, "training campaigns", detail)


# --- chat platforms -------------------------------------------------------------------------


def routine_channels(settings: Settings) -> dict[str, set[str]]:
    """Platform -> the channels enabled routines post or escalate to ({} if the catalogue
    is broken: the routines line says so)."""
    from routines.catalog import CatalogError, load_catalog

    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except (CatalogError, OSError):
        return {}
    channels: dict[str, set[str]] = {}
    for routine in catalog.enabled:
        targets = [*routine.post_to, *(routine.escalate.to if routine.escalate else ())]
        for target in targets:
            if target.kind == "channel":
                channels.setdefault(target.platform, set()).add(target.address.lstrip("#"))
    return channels


async def check_chat(settings: Settings) -> list[Check]:
    channels = routine_channels(settings)
    checks: list[Check] = []
    configured = {"slack": settings.slack_configured, "teams": settings.teams_configured,
                  "console": True}  # fmt: skip
    for platform, names in sorted(channels.items()):
        if not configured.get(platform, False):
            checks.append(Check("fail", f"{platform} routines", f"{len(names)} routine "
                                f"channel(s) on {platform}, which is not set up"))  # fmt: skip
    if settings.teams_configured and channels.get("teams"):
        checks += await asyncio.to_thread(lambda: list(check_teams(settings, channels["teams"])))
    if settings.slack_bot_token:
        from bot.platforms.slack.checks import check_slack
        from bot.platforms.slack.client import SlackConfig

        slack = channels.get("slack", set())
        by_name = sorted(c for c in slack if not SLACK_ID.match(c))
        for name in by_name:
            checks.append(Check("warn", f"slack channel {name}", "given by name: use the "
                                "channel id (README: finding a channel id)"))  # fmt: skip
        config = SlackConfig(
            settings.slack_bot_token, app_token=settings.slack_app_token,
            api_url=settings.slack_api_url,
        )  # fmt: skip
        found = await check_slack(config, sorted(slack - set(by_name)))
        checks += [Check(level, name, detail) for level, name, detail in found]  # type: ignore[arg-type]
    return checks


def check_teams(settings: Settings, channels: set[str]) -> Iterator[Check]:
    """A Teams channel gets routines only once the app is installed there: installing it
    stores the conversation reference the bot posts with."""
    from bot.records.references import find_reference
    from storage.migrate import engine_from_url
    from storage.sessions import session_factory, transaction

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        for channel in sorted(channels):
            yield Check("warn", f"teams channel {channel}", "not checked: no database yet")
        return
    engine = engine_from_url(settings.database_url, statement_timeout_ms=5000)
    try:
        with transaction(session_factory(engine)) as session:
            found = {c: find_reference(session, "teams", "channel", c) for c in channels}
    except Exception as exc:  # the database line says what is wrong with it
        yield Check("warn", "teams channels", f"not checked ({exc.__class__.__name__})")
        return
    finally:
        engine.dispose()
    for channel, reference in sorted(found.items()):
        if reference is None:
            advice = "the app is not installed there: add it to the team and the channel"
            yield Check("fail", f"teams channel {channel}", advice)
        else:
            yield Check("ok", f"teams channel {channel}", "the app is installed there")
