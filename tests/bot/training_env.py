"""Helpers for the training tests (not a test module): a campaign catalogue, the small
question bank of tests/bot/quiz, and finding the right option in a quiz reply."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.chat.messages import Button, Reply
from knowledge.quiz import QUIZ_DIR, Question, QuizBank, load_quiz_bank
from routines import ledger
from routines.catalog import load_catalog
from routines.service import RoutineService
from storage.sessions import transaction

QUIZ = Path(__file__).parent / "quiz"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIRST_LOADED = datetime(2026, 12, 20, 8, tzinfo=STOCKHOLM)
POSTED = datetime(2027, 1, 4, 9, 30, tzinfo=STOCKHOLM)
CLICKED = datetime(2027, 1, 5, 10, 12, tzinfo=STOCKHOLM)

CAMPAIGN = """\
routines:
  - id: quiz-campaign
    kind: training
    title: {sv: GDPR-quiz för kundtjänst, en: GDPR quiz for customer service}
    schedule: [2027-01-04]
    due_days: 14
    remind: {before: [7]}
    training: {tags: [test], questions: 2, pass_mark: 100, cooldown_hours: 24}
    assignees: {people: [AUDIENCE], confirm: all}
    escalate: {after_days: 2, to: [LEAD]}
"""


def bank() -> QuizBank:
    """What the bot loads: the shipped bank and the test folder (GDPRBOT_QUIZ_DIR)."""
    return load_quiz_bank([QUIZ_DIR, QUIZ])


def write_campaign(path: Path, audience: str, lead: str) -> Path:
    text = CAMPAIGN.replace("AUDIENCE", audience).replace("LEAD", lead)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


async def post_campaign(services: Any, catalogue: Path, when: datetime = POSTED) -> int:
    """Tick when the campaign falls due: created and posted through the bot's notifier."""
    service = RoutineService(
        services.sessions, load_catalog([catalogue], include_default=False), services.notifier
    )
    await service.tick(FIRST_LOADED)
    report = await service.tick(when)
    [created] = report.created
    return created.occurrence_id


async def tick(services: Any, catalogue: Path, when: datetime) -> None:
    service = RoutineService(
        services.sessions, load_catalog([catalogue], include_default=False), services.notifier
    )
    await service.tick(when)


def question_in(text: str, lang: str = "sv") -> Question:
    """The bank's question whose text a reply shows."""
    [question] = [q for q in bank().in_language(lang) if q.question in text]
    return question


def option_index(button: Button) -> int:
    return int(json.loads(button.value)["v"])


def right_button(reply: Reply, lang: str = "sv") -> Button:
    """The button with a right answer."""
    question = question_in(reply.text, lang)
    return next(b for b in reply.buttons if question.is_right(option_index(b)))


def wrong_button(reply: Reply, lang: str = "sv") -> Button:
    question = question_in(reply.text, lang)
    return next(b for b in reply.buttons if not question.is_right(option_index(b)))


def ledger_payloads(sessions: sessionmaker[Session], event: str) -> list[dict[str, Any]]:
    with transaction(sessions) as session:
        rows = session.scalars(
            select(ledger.LedgerEntry.payload)
            .where(ledger.LedgerEntry.event == event)
            .order_by(ledger.LedgerEntry.seq)
        ).all()
    return [json.loads(row)["data"] for row in rows]


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with transaction(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
