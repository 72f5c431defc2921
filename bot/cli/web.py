"""`gdpr-bot web link PERSON`: a one-time sign-in link to the web pages, for the first set-up
(afterwards officers and team leads write `webb` / `web` to the bot in chat).

PERSON is `platform:user_id` (`slack:U0123ABCD`, `teams:<AAD object id>`; recorded if the
bot has not met them yet) or the platform user id or e-mail address of someone it has.
The person must be a compliance officer (GDPRBOT_COMPLIANCE_OFFICERS) or lead a routine
in the catalogue. The link is printed on stdout; it works once, for 10 minutes, and the
sign-in is recorded in the evidence ledger.

Exit codes: 0 printed, 1 no such person or not allowed, 2 settings, catalogue or database.
"""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.errors import describe
from bot.config import Settings, SettingsError
from bot.web.access import Identity
from storage.clock import utc_now

app = typer.Typer(help="The officers' web pages: sign-in links.", no_args_is_help=True)

EXIT_NOT_ALLOWED = 1
EXIT_SETUP = 2


@app.command("link")
def link_command(
    person: str = typer.Argument(
        ..., help="slack:U0123ABCD, teams:<AAD object id>, or a known platform id or e-mail."
    ),
) -> None:
    """Print a one-time sign-in link (10 minutes) for an officer or team lead."""
    from bot.records.web_access import WebAccessStore
    from bot.web.setup import web_config, web_keys, web_policy
    from bot.web.signin import SignInLinks
    from routines.catalog import CatalogError, load_catalog
    from routines.service import EvidenceViews
    from storage.migrate import create_schema, engine_from_url
    from storage.sessions import session_factory

    try:
        settings = Settings()
        keys = web_keys(settings) if settings.web_enabled else None
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except (SettingsError, CatalogError, ValueError) as exc:
        raise _fail(str(exc).splitlines()[0], EXIT_SETUP) from None
    if keys is None:
        raise _fail(
            "the web pages are off: set GDPRBOT_WEB_SECRET or GDPRBOT_WEB_SECRET_FILE "
            "(and GDPRBOT_WEB=true)",
            EXIT_SETUP,
        )
    engine = engine_from_url(settings.database_url)
    try:
        create_schema(engine)
        sessions = session_factory(engine)
        views = EvidenceViews(sessions, catalog, timezone=settings.timezone)
        store = WebAccessStore(sessions)
        config = web_config(settings)
        links = SignInLinks(web_policy(settings, catalog, views), keys, store, lambda: config)
        now = utc_now()
        people = store.lookup(person) or _newcomer(person)
        if not people:
            raise _fail(
                "no such person: give platform:user_id (e.g. slack:U0123ABCD) or the platform "
                "id or e-mail address of someone the bot has met",
                EXIT_NOT_ALLOWED,
            )
        issued = None
        for who in people:
            if not who.person_key and links.allows(who):  # first set-up: record them now
                who = store.identify(who.platform, who.user_id, now) or who
            if who.person_key and (issued := links.issue(who, via="cli", now=now)):
                break
    except SQLAlchemyError as exc:
        raise _fail(describe(exc), EXIT_SETUP) from None
    finally:
        engine.dispose()
    if issued is None:
        raise _fail(
            f"{person} is neither a compliance officer (GDPRBOT_COMPLIANCE_OFFICERS) nor a team "
            "lead (named in a routine's assignees or escalate.to)",
            EXIT_NOT_ALLOWED,
        )
    typer.echo(issued.url)
    typer.echo(
        f"works once, until {views.local_time(issued.expires_at)} ({settings.timezone})", err=True
    )


def _newcomer(person: str) -> list[Identity]:
    """`platform:user_id` of someone the bot has not met (nothing is recorded unless they
    may open the pages)."""
    from routines.service import PLATFORMS

    platform, sep, user_id = person.strip().partition(":")
    if sep and platform in PLATFORMS and user_id:
        return [Identity("", platform, user_id, None, user_id)]
    return []


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
