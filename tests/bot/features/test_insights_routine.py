"""The monthly knowledge-gaps routine, end to end through the routines machinery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.features.kinds import knowledge_gaps_provider
from bot.records.insights import recent_unanswered
from bot.records.questions import record_question
from routines.catalog import Catalog, load_catalog
from routines.engine.models import NOT_APPLICABLE, OPEN
from routines.service import RoutineService
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import RecordingNotifier, at, occurrences

FIRST_SEEN = at("2027-02-20 10:00")
POST_TIME = at("2027-03-03 09:05")  # the routine fires at 09:00 on the 3rd


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the routine engine itself is tested on both databases in tests/routines."""
    return sqlite_url


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
async def service(engine: Engine, notifier: RecordingNotifier) -> RoutineService:
    routine = load_catalog().get("knowledge-gaps")
    assert routine is not None
    service = RoutineService(
        session_factory(engine),
        Catalog((routine,)),
        notifier,
        providers={"knowledge_gaps": knowledge_gaps_provider(recent_unanswered)},
    )
    await service.tick(FIRST_SEEN)  # the installation starts knowing the routine
    return service


def ask(engine: Engine, text: str, answered: bool = False) -> None:
    with transaction(session_factory(engine)) as session:
        record_question(
            session, text=text, lang="sv", answered=answered,
            article_id="x" if answered else None, score=1.0, now=POST_TIME - timedelta(days=5),
        )  # fmt: skip


async def test_the_months_unanswered_questions_are_posted(
    engine: Engine, service: RoutineService, notifier: RecordingNotifier
) -> None:
    ask(engine, "Får vi använda ChatGPT med kunddata?")
    ask(engine, "får vi använda chatgpt med kunddata")
    ask(engine, "Hur länge sparar vi samtal?", answered=True)

    await service.tick(POST_TIME)

    [(_, notice)] = notifier.of_kind("posted")
    assert notice.routine_id == "knowledge-gaps"
    assert "- 2 ggr (sv): Får vi använda ChatGPT med kunddata?" in notice.text
    assert "samtal" not in notice.text
    assert [o.status for o in occurrences(engine)] == [OPEN]


async def test_a_month_without_gaps_is_skipped_without_a_post(
    engine: Engine, service: RoutineService, notifier: RecordingNotifier
) -> None:
    ask(engine, "Hur länge sparar vi samtal?", answered=True)

    await service.tick(POST_TIME)

    assert notifier.of_kind("posted") == []
    assert [o.status for o in occurrences(engine)] == [NOT_APPLICABLE]
