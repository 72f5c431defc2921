"""The composition root: every long-lived object is built here, from `Settings`, once.

`build_services(settings)` wires, in order: the knowledge base and answerer; storage
(engine, migrations, sessions) and the bot's records stores; the conversation and the
pipeline every platform shares; one `FrontEnd` per platform (the console always, Slack
and Teams when configured); the chat features with the services they call; and the one
scheduler carrying every job. Nothing else constructs these, so a test gets a complete
bot by calling it with its own settings.

Where later parts plug in (small, local edits):
- a platform: `services.add_front_end(XFrontEnd(config, context))` in build_services;
- a chat feature: an `_add_<feature>` function below that builds it from services and
  stores and calls `services.add_feature(...)`; its words go in bot/chat/commands.py;
- a scheduled job: the component's `add_jobs(services.scheduler)`, called in its
  `_add_<feature>` function (the scheduler starts after every job is added);
- a setting: a field in bot/config.py (and README), read here and handed down as a value.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.authz import Policy
from bot.chat.commands import Command
from bot.chat.conversation import ChatFeature, Conversation
from bot.chat.delivery import ChannelEvents, RouterNotifier
from bot.chat.pipeline import Pipeline
from bot.chat.ports import QuestionLog
from bot.config import Settings
from bot.desk_setup import add_desk
from bot.features.whoami import WhoamiFeature
from bot.platforms.console.front_end import ConsoleConfig, ConsoleFrontEnd
from bot.platforms.front_end import FrontEnd, FrontEndContext
from bot.records.events import EventLog
from bot.records.inbox import InboxStore
from bot.records.people import PeopleStore
from bot.records.questions import QuestionStore
from bot.records.references import ReferenceStore
from bot.records.report_links import ReportLinkStore
from bot.teams_settings import bot_framework_config, teams_wanted  # re-exported
from bot.training_setup import add_training
from knowledge import Answerer, Article, KnowledgeBase, load_knowledge_base
from routines.catalog import Catalog, load_catalog
from routines.service import KindProvider, ReportService, RoutineService
from storage.clock import Clock, utc_now
from storage.heartbeat import beat
from storage.migrate import create_schema, engine_from_url
from storage.sessions import session_factory

if TYPE_CHECKING:
    from bot.platforms.slack.front_end import SlackFrontEnd
    from bot.platforms.teams.front_end import TeamsFrontEnd
    from bot.web.room import WebRoom

log = logging.getLogger(__name__)
# /readyz: how long the heartbeat write waits for a lock held elsewhere before "not ready"
READY_WAIT_SECONDS = 2.0

Hook = Callable[[], Awaitable[None]]


@dataclass
class Services:
    """Everything the running bot is made of. `startup` / `shutdown` hooks run in order."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    knowledge: KnowledgeBase
    answerer: Answerer
    question_log: QuestionLog
    report_links: ReportLinkStore  # the chat hands out links, the web server serves them
    notifier: RouterNotifier = field(default_factory=RouterNotifier)
    # Built by build_services once `now` exists (they read the clock through it).
    conversation: Conversation = field(init=False)
    pipeline: Pipeline = field(init=False)
    front_ends: dict[str, FrontEnd] = field(default_factory=dict)  # by platform
    # THE scheduler of this process: routine ticks, the daily privacy job and any later
    # job are added to it in build_services (`add_jobs(services.scheduler)`); it runs
    # when GDPRBOT_SCHEDULER is on. Only this module constructs one.
    scheduler: AsyncIOScheduler = field(default_factory=lambda: AsyncIOScheduler(timezone=UTC))
    startup: list[Hook] = field(default_factory=list)
    shutdown: list[Hook] = field(default_factory=list)
    # What the chat, features and report links take as "now". Replaceable at any time
    # (tests move it past a link's expiry); everything reads it through `now`.
    clock: Clock = field(default=utc_now)
    # The officers' web pages (bot/web), mounted by the server; None when off.
    web: WebRoom | None = None
    # THE authorisation policy (bot/authz): every feature and page asks it.
    policy: Policy = field(default_factory=Policy)
    # Front ends report the bot joining a channel here; the routines listen.
    channels: ChannelEvents = field(default_factory=ChannelEvents)

    def now(self) -> datetime:
        return self.clock()

    @property
    def console(self) -> ConsoleFrontEnd:
        """Always there: it prints routine notices addressed to the console."""
        return cast("ConsoleFrontEnd", self.front_ends["console"])

    @property
    def slack(self) -> SlackFrontEnd | None:
        """When Slack is configured."""
        return cast("SlackFrontEnd | None", self.front_ends.get("slack"))

    @property
    def teams(self) -> TeamsFrontEnd | None:
        """When Teams is enabled (see teams_wanted)."""
        return cast("TeamsFrontEnd | None", self.front_ends.get("teams"))

    async def start_scheduler(self) -> None:
        self.scheduler.start()

    async def stop_scheduler(self) -> None:
        """Let running jobs finish (up to 10 s) before APScheduler cancels them into a
        CancelledError traceback (`_pending_futures`: it has no public way to wait)."""
        if self.scheduler.running:
            self.scheduler.pause()
            executor = getattr(self.scheduler, "_executors", {}).get("default")
            if running := [f for f in getattr(executor, "_pending_futures", ()) if not f.done()]:
                await asyncio.wait(running, timeout=10)
            self.scheduler.shutdown(wait=False)

    def add_front_end(self, front_end: FrontEnd) -> None:
        """A platform: its notices go through its notifier; it starts and stops with the bot."""
        self.front_ends[front_end.platform] = front_end
        self.notifier.register(front_end.platform, front_end.notifier)
        self.startup.append(front_end.start)
        self.shutdown.append(front_end.close)

    def add_feature(self, feature: ChatFeature, *, commands: Iterable[Command] = ()) -> None:
        """Plug a chat feature in; `commands` only for words outside the command table."""
        self.conversation.add_feature(feature, commands=commands)

    async def ready(self) -> bool:
        """Readiness: the database accepts a write (a heartbeat row: a full disk or a
        read-only database is not ready) and a knowledge base is loaded."""
        if len(self.knowledge) == 0:
            return False
        try:
            await asyncio.to_thread(beat, self.engine, utc_now(), wait=READY_WAIT_SECONDS)
        except Exception as exc:
            log.warning("readiness: database write failed", extra={"error": type(exc).__name__})
            return False
        return True

    async def start(self) -> None:
        for hook in self.startup:
            await hook()

    async def close(self) -> None:
        for hook in reversed(self.shutdown):
            try:
                await hook()
            except Exception:
                log.warning("shutdown hook failed", exc_info=True)
        self.engine.dispose()


def build_services(settings: Settings, *, knowledge_base: KnowledgeBase | None = None) -> Services:
    """Build the bot. Raises `knowledge.KnowledgeError` when the knowledge base is broken.

    `knowledge_base` replaces the shipped + configured content (tests use a small one).
    Settings that cannot work together raise `bot.config.SettingsError` before any work.
    """
    teams_config = bot_framework_config(settings) if teams_wanted(settings) else None
    if knowledge_base is None:
        knowledge_base = load_knowledge_base(settings.knowledge_paths)
    encoder = settings.build_encoder()  # SettingsError names GDPRBOT_EMBEDDINGS
    answerer = Answerer(
        knowledge_base,
        settings.dpo_contact,
        default_lang=settings.default_language,
        encoder=encoder,  # loaded at the first question, not here (idle RSS, start time)
        vector_cache=settings.vector_cache_dir,
        index_cache=settings.vector_cache_dir,  # the built lexical index, loaded at start
    )
    answerer.warm_up()  # lexical caches now, not at the first question (nor the model)
    engine = engine_from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    create_schema(engine)
    beat(engine, utc_now())  # a database that cannot be written fails here, before serving
    settings.configure_ledger_keys()  # after the schema: a database error stays one line
    sessions = session_factory(engine)
    events_secret = _events_secret(settings)  # keys the event and vote dedupe HMACs
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=knowledge_base,
        answerer=answerer,
        question_log=QuestionStore(sessions, settings.question_log, secret=events_secret),
        report_links=ReportLinkStore(sessions, settings.public_url),
    )
    services.conversation = Conversation(
        answerer,
        question_log=services.question_log,
        dpo_contact=settings.dpo_contact,
        default_language=settings.default_language,
        detect_language=answerer.guess_language,  # None when unsure: the last clear one
        clock=services.now,
    )
    services.pipeline = Pipeline(
        services.conversation,
        EventLog(sessions, secret=events_secret),
        clock=services.now,
        default_language=settings.default_language,
    )
    # --- platforms: each one FrontEnd, built alike ----------------------------------------
    inbox = InboxStore(sessions, lease_seconds=settings.inbox_lease_seconds, secret=events_secret)
    context = FrontEndContext(services.pipeline, ReferenceStore(sessions), PeopleStore(sessions),
                              inbox=inbox, channels=services.channels)  # fmt: skip
    console = ConsoleConfig(user=services.settings.console_user.strip())
    services.add_front_end(ConsoleFrontEnd(console, context))
    if settings.slack_configured:
        services.add_front_end(_slack(settings, context))
    elif settings.slack_bot_token:
        log.warning(
            "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor "
            "SLACK_APP_TOKEN (Socket Mode): Slack stays off"
        )
    if teams_config is not None:
        from bot.platforms.teams.front_end import TeamsFrontEnd

        services.add_front_end(TeamsFrontEnd(teams_config, context))
    # --- chat features and scheduled jobs ----------------------------------------------
    # The catalogue is read once; a broken one stops the bot (CatalogError, one line each).
    catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    services.policy = _policy(services, catalog)
    routines = _add_routines(services, catalog)
    _add_reports(services, catalog)
    _add_privacy(services)
    _add_web(services, catalog)
    add_training(services, routines)  # quizzes (GDPRBOT_QUIZ_DIR), the overview's headline
    services.add_feature(WhoamiFeature(services.policy))  # `vem` / `whoami`
    add_desk(services)  # the rights-request desk (GDPRBOT_CLIENTS)
    # --- the one scheduler: every job above, started after them and stopped before them --
    if settings.scheduler_enabled:
        services.startup.append(services.start_scheduler)
        services.shutdown.append(services.stop_scheduler)
    return services


def _policy(services: Services, catalog: Catalog) -> Policy:
    """Roles from settings, catalogue and knowledge base, and the platforms' directories;
    e-mail addresses in the roles are resolved to platform ids once, at start."""
    from bot.authz.build import build_policy, gate
    from bot.features.insights import owner_addresses

    policy = build_policy(
        officers=services.settings.compliance_officers,
        owners=owner_addresses(article.owner for article in services.knowledge),
        routines=catalog.routines,
        front_ends=services.front_ends,
    )

    async def resolve() -> None:
        try:
            await policy.resolve()
        except Exception:  # a directory down at start: ids still work
            log.warning("authorisation: resolving e-mail addresses failed", exc_info=True)

    services.startup.append(resolve)
    services.pipeline.gate = gate(policy)  # external people: refused every message, click
    return policy


def _events_secret(settings: Settings) -> bytes | None:
    """The secret outside the database (GDPRBOT_WEB_SECRET) keying the stored event and
    vote keys (bot/records); None without one (the web pages' set-up reports a bad one)."""
    from bot.web.keys import WebSecretError, configured_secret

    try:
        return configured_secret(settings.web_secret, settings.web_secret_file)
    except WebSecretError:
        return None


def _slack(settings: Settings, context: FrontEndContext) -> FrontEnd:
    from bot.platforms.slack.client import SlackConfig
    from bot.platforms.slack.front_end import SlackFrontEnd

    config = SlackConfig(
        bot_token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret,
        app_token=settings.slack_app_token,
        api_url=settings.slack_api_url,
    )
    return SlackFrontEnd(config, context)


def kind_providers(
    settings: Settings, knowledge_base: KnowledgeBase | None = None
) -> dict[str, KindProvider]:
    """Content for every catalogue `kind` (the bot and `gdpr-bot routines run-due`)."""
    from bot.features.kinds import kb_review_provider, knowledge_gaps_provider
    from bot.records.insights import recent_unanswered
    from routines.ledger.seal import ledger_seal_provider

    def articles() -> Iterable[Article]:
        nonlocal knowledge_base
        if knowledge_base is None:
            knowledge_base = load_knowledge_base(settings.knowledge_paths)
        return list(knowledge_base)

    return {
        "kb_review": kb_review_provider(articles),
        "ledger_seal": ledger_seal_provider,
        "knowledge_gaps": knowledge_gaps_provider(recent_unanswered),
    }


def _add_routines(services: Services, catalog: Catalog) -> RoutineService:
    """Routines in chat (ack, na, note) and the routine jobs on the one scheduler."""
    from bot.features.routines import RoutineFeature
    from bot.records.codes import OccurrenceCodes
    from routines.jobs import RoutineRunner

    settings = services.settings
    service = RoutineService(
        services.sessions,
        catalog,
        services.notifier,
        providers=kind_providers(settings, services.knowledge),
        lease_seconds=settings.claim_lease_seconds,
        language=settings.default_language,
        problem_contacts=settings.compliance_officers,
    )
    services.add_feature(
        RoutineFeature(
            service,
            clock=services.now,
            policy=services.policy,
            codes=OccurrenceCodes(services.sessions),
        )
    )
    # the bot was invited into a channel: what could not be posted there goes out now
    services.channels.listen(lambda p, c: service.channel_joined(p, c, services.now()))
    runner = RoutineRunner(service, catalog, tick_seconds=settings.tick_seconds)
    runner.add_jobs(services.scheduler)
    if settings.scheduler_enabled:
        services.startup.append(runner.start)  # the catch-up tick
        services.shutdown.append(runner.stop)
    return service


def _add_reports(services: Services, catalog: Catalog) -> None:
    """`report`/`rapport` and `overdue`/`försenade`; Teams gets download links on the bot's
    own server when GDPRBOT_PUBLIC_URL says where that is."""
    from bot.features.reports import ReportFeature

    settings = services.settings
    reports = ReportService(services.sessions, catalog, timezone=settings.timezone,
                            organisation=settings.organisation)  # fmt: skip
    links = services.report_links if settings.public_url else None
    services.add_feature(
        ReportFeature(reports, policy=services.policy, clock=services.now, links=links)
    )


def _add_privacy(services: Services) -> None:
    """`insights`/`insikter` for officers and article owners; the daily retention job."""
    from bot.features.insights import InsightsFeature
    from bot.privacy import DailyPrivacyJob
    from bot.records.insights import InsightsStore

    settings = services.settings
    services.add_feature(
        InsightsFeature(
            InsightsStore(services.sessions), policy=services.policy, clock=services.now
        )
    )
    DailyPrivacyJob(
        services.sessions,
        question_log_days=settings.question_log_days,
        evidence_years=settings.evidence_years,
        timezone=settings.timezone,
        requests_years=settings.requests_years,
        identity_idle_days=settings.identity_idle_days,
    ).add_jobs(services.scheduler)


def _add_web(services: Services, catalog: Catalog) -> None:
    """The officers' web pages (GDPRBOT_WEB) and the chat `webb`/`web` command."""
    from bot.web.setup import add_web

    add_web(services, catalog)
