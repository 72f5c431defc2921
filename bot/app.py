"""The composition root: every long-lived object is built here, from `Settings`, once.

`build_services(settings)` wires the database, the knowledge base, the conversation,
the notifier router and the platform front ends. Nothing else in the bot constructs
these, so a test gets a complete bot by calling it with its own settings.
Other parts plug in with small edits in the marked places below.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot import question_log
from bot.config import Settings
from bot.conversation import ChatFeature, Conversation, QuestionLog, Vote
from bot.database import create_schema, engine_from_url
from bot.delivery import ConsoleNotifier, RouterNotifier
from bot.event_dedupe import claim_event, purge_events
from knowledge import Answerer, KnowledgeBase, detect_language, load_knowledge_base
from routines.db import session_factory, transaction

if TYPE_CHECKING:
    from bot.slack.listeners import SlackFrontEnd
    from bot.teams.front_end import TeamsFrontEnd

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


class DatabaseQuestionLog:
    """The conversation's `QuestionLog`, backed by bot/question_log.py in a worker thread."""

    def __init__(self, sessions: sessionmaker[Session], mode: str) -> None:
        self._sessions = sessions
        self._mode = mode

    async def record_question(
        self,
        *,
        text: str,
        lang: str,
        answered: bool,
        article_id: str | None,
        score: float,
        now: datetime,
    ) -> int | None:
        if self._mode == "off":
            return None

        def record() -> int | None:
            with transaction(self._sessions) as session:
                return question_log.record_question(
                    session,
                    text=text,
                    lang=lang,
                    answered=answered,
                    article_id=article_id,
                    score=score,
                    now=now,
                    mode=self._mode,  # type: ignore[arg-type]
                )

        return await asyncio.to_thread(record)

    async def record_feedback(self, question_id: int, vote: Vote, now: datetime) -> bool:
        def record() -> bool:
            with transaction(self._sessions) as session:
                return question_log.record_feedback(session, question_id, vote, now)

        return await asyncio.to_thread(record)


def event_claimer(sessions: sessionmaker[Session]) -> Callable[[str, str], Awaitable[bool]]:
    """`claim(platform, event_id)`: True once per event, across processes (unique key).

    About once an hour a claim also forgets events too old to be retried, so the table
    stays small without a separate job.
    """
    next_purge = [0.0]

    async def claim(platform: str, event_id: str) -> bool:
        purge = time.monotonic() >= next_purge[0]
        if purge:
            next_purge[0] = time.monotonic() + 3600

        def insert() -> bool:
            now = datetime.now(UTC)
            with transaction(sessions) as session:
                if purge:
                    purge_events(session, now=now)
                return claim_event(session, platform, event_id, now)

        return await asyncio.to_thread(insert)

    return claim


@dataclass
class Services:
    """Everything the running bot is made of. `startup` / `shutdown` hooks run in order."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    knowledge: KnowledgeBase
    answerer: Answerer
    conversation: Conversation
    notifier: RouterNotifier
    question_log: QuestionLog
    slack: SlackFrontEnd | None = None  # when Slack is configured
    teams: TeamsFrontEnd | None = None  # when Teams is enabled (see _teams_wanted)
    startup: list[Hook] = field(default_factory=list)
    shutdown: list[Hook] = field(default_factory=list)
    # What chat features and report links take as "now". Replaceable at any time (tests
    # move it past a link's expiry); features read it through `now`, never cache it.
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.clock()

    def add_feature(self, feature: ChatFeature) -> None:
        self.conversation.add_feature(feature)

    async def ready(self) -> bool:
        """Readiness: the database answers and a knowledge base is loaded."""
        if len(self.knowledge) == 0:
            return False

        def ping() -> None:
            with self.engine.connect() as conn:
                conn.execute(text("select 1"))

        try:
            await asyncio.to_thread(ping)
        except Exception:
            log.warning("readiness: database unreachable", exc_info=True)
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
    if _teams_wanted(settings):
        from bot.teams.front_end import bot_framework_config

        bot_framework_config(settings)  # TeamsSettingsError names the variable to fix
    if knowledge_base is None:
        knowledge_base = load_knowledge_base(settings.knowledge_paths)
    encoder = settings.build_encoder()  # SettingsError names GDPRBOT_EMBEDDINGS
    answerer = Answerer(
        knowledge_base,
        settings.dpo_contact,
        default_lang=settings.default_language,
        encoder=encoder,  # loaded at the first question, not here (idle RSS, start time)
        vector_cache=settings.vector_cache_dir,
    )
    _warm_up(answerer)
    engine = engine_from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )
    create_schema(engine)
    sessions = session_factory(engine)
    questions = DatabaseQuestionLog(sessions, settings.question_log)
    conversation = Conversation(
        answerer,
        question_log=questions,
        dpo_contact=settings.dpo_contact,
        default_language=settings.default_language,
        detect_language=lambda message: detect_language(message, settings.default_language),
    )
    notifier = RouterNotifier({"console": ConsoleNotifier()})
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=knowledge_base,
        answerer=answerer,
        conversation=conversation,
        notifier=notifier,
        question_log=questions,
    )
    if settings.slack_configured:
        _add_slack(services)
    elif settings.slack_bot_token:
        log.warning(
            "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor "
            "SLACK_APP_TOKEN (Socket Mode): Slack stays off"
        )
    if _teams_wanted(settings):
        _add_teams(services)
    # --- features and schedulers: routines, reports, privacy add themselves below ---------
    _add_routines(services)
    _add_reports(services)
    _add_privacy(services)
    return services


def _warm_up(answerer: Answerer) -> None:
    """Fill the lexical caches now, so the first real question does not pay for lazy setup
    (the embedding model itself loads at the first question)."""
    answerer.warm_up()


def _add_slack(services: Services) -> None:
    from bot.slack.listeners import SlackFrontEnd, SlackSettings
    from bot.slack.notifier import SlackNotifier

    settings = services.settings
    slack = SlackFrontEnd(
        SlackSettings(
            bot_token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret,
            app_token=settings.slack_app_token,
            api_url=settings.slack_api_url,
            default_language=settings.default_language,
        ),
        services.conversation,
        event_claimer(services.sessions),
    )
    services.slack = slack
    services.notifier.register("slack", SlackNotifier(slack.client))
    services.startup.append(slack.start)
    services.shutdown.append(slack.close)


def _teams_wanted(settings: Settings) -> bool:
    """Teams with an app id; without one (auth off) only when no other platform runs."""
    return settings.teams_enabled and (settings.teams_configured or not settings.slack_configured)


def _add_teams(services: Services) -> None:
    from bot.teams.front_end import build_teams

    teams = build_teams(
        services.settings,
        services.conversation,
        services.sessions,
        welcome=services.conversation.greeting,
    )
    services.teams = teams
    services.notifier.register("teams", teams.notifier)


def _add_routines(services: Services) -> None:
    """Routines: the catalogue (a broken one stops the bot: CatalogError), engine, chat,
    and the scheduler (GDPRBOT_SCHEDULER), started and stopped with the bot."""
    from bot.routine_chat import RoutineFeature
    from bot.routine_kinds import providers_for
    from routines.catalog import load_catalog
    from routines.runner import RoutineRunner
    from routines.service import RoutineService

    settings = services.settings
    catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    service = RoutineService(
        services.sessions,
        catalog,
        services.notifier,
        providers=providers_for(settings, services.knowledge),
        lease_seconds=settings.claim_lease_seconds,
        language=settings.default_language,
    )
    services.add_feature(RoutineFeature(service, clock=services.now))
    if settings.scheduler_enabled:
        runner = RoutineRunner(service, catalog, tick_seconds=settings.tick_seconds)
        services.startup.append(runner.start)
        services.shutdown.append(runner.stop)


def _add_reports(services: Services) -> None:
    """`report`/`rapport` and `overdue`/`försenade` (bot/report_chat.py)."""
    from bot.report_chat import ReportFeature
    from routines.catalog import CatalogError, load_catalog

    settings = services.settings
    try:
        catalog = load_catalog(settings.routines_paths, default_timezone=settings.timezone)
    except (CatalogError, OSError):
        log.warning("reports: routine catalogue unreadable; reports show routine ids")
        catalog = None
    services.add_feature(
        ReportFeature(
            services.sessions,
            officers=settings.compliance_officers,
            timezone=settings.timezone,
            public_url=settings.public_url,
            catalog=catalog,
            clock=services.now,
        )
    )


def _add_privacy(services: Services) -> None:
    """`insights`/`insikter` for officers and article owners; the daily retention job."""
    from bot.insights_chat import InsightsFeature, owner_addresses
    from bot.privacy import DailyPrivacyJob

    settings = services.settings
    services.add_feature(
        InsightsFeature(
            services.sessions,
            officers=settings.compliance_officers,
            owners=owner_addresses(article.owner for article in services.knowledge),
        )
    )
    if settings.scheduler_enabled:
        job = DailyPrivacyJob(
            services.sessions,
            question_log_days=settings.question_log_days,
            evidence_years=settings.evidence_years,
            timezone=settings.timezone,
        )
        services.startup.append(job.start)
        services.shutdown.append(job.stop)
