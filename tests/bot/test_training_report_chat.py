"""`rapport utbildning` / `report training` in the chat: officers get every campaign, a
team lead the campaigns that escalate to them, anyone else a refusal; per team and per
person figures, the file in the format asked for, and each export in the ledger."""

from __future__ import annotations

import csv
import io
import json
import textwrap
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Services, build_services
from bot.chat.messages import Reply
from bot.config import Settings
from bot.platforms.console.front_end import Console
from knowledge import KnowledgeBase
from routines import ledger
from routines.engine.models import Occurrence
from storage.sessions import transaction
from tests.bot.training_env import (
    CLICKED,
    FIRST_LOADED,
    POSTED,
    QUIZ,
    ledger_payloads,
    right_button,
    tick,
    wrong_button,
)

CAMPAIGNS = """\
routines:
  - id: quiz-service
    kind: training
    title: {sv: GDPR-quiz för kundtjänst, en: GDPR quiz for customer service}
    schedule: [2027-01-04]
    due_days: 14
    post_to: [{platform: console, channel: kundtjanst}]
    training: {tags: [test], questions: 2, pass_mark: 100, cooldown_hours: 24}
    assignees: {people: ["console:anna", "console:bo"], confirm: all}
    escalate: {after_days: 2, to: [{platform: console, person: lead}]}
  - id: quiz-it
    kind: training
    title: {sv: GDPR-quiz för IT, en: GDPR quiz for IT}
    schedule: [2027-01-04]
    due_days: 14
    post_to: [{platform: console, channel: it}]
    training: {tags: [test], questions: 2, pass_mark: 100, cooldown_hours: 24}
    assignees: {people: ["console:cia"], confirm: all}
    escalate: {after_days: 2, to: [{platform: console, person: itlead}]}
"""


@pytest.fixture
async def bot(tmp_path: Path, test_knowledge: KnowledgeBase) -> AsyncIterator[Services]:
    """Both campaigns posted; Anna passed hers, Bo failed his, Cia has not started."""
    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text(textwrap.dedent(CAMPAIGNS), encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        console="on",
        teams_enabled=False,
        scheduler_enabled=False,
        default_language="sv",
        routines_files=[str(catalogue)],
        quiz_dirs=[str(QUIZ)],
        compliance_officers=["dpo"],
    )
    services = build_services(settings, knowledge_base=test_knowledge)
    services.clock = lambda: CLICKED
    await tick(services, catalogue, FIRST_LOADED)
    await tick(services, catalogue, POSTED)
    service = occurrence_of(services, "quiz-service")
    for person, right in (("anna", True), ("bo", False)):
        await take_quiz(chat(services, person), service, right=right)
    yield services
    await services.close()


def occurrence_of(services: Services, routine_id: str) -> int:
    with transaction(services.sessions) as session:
        return int(
            session.scalars(select(Occurrence.id).where(Occurrence.routine_id == routine_id)).one()
        )


def chat(services: Services, user: str) -> Console:
    return Console(services.pipeline, write=lambda text: None, user_id=user)


async def take_quiz(console: Console, occurrence_id: int, *, right: bool) -> None:
    replies = await console.say(f"utbildning {occurrence_id}")
    while questions := [r for r in replies if r.buttons]:
        button = right_button(questions[0]) if right else wrong_button(questions[0])
        replies = await console.say(str(console.number_of(button)))


def file_of(replies: list[Reply]) -> tuple[str, bytes]:
    [attachment] = [r.attachment for r in replies if r.attachment is not None]
    return attachment.filename, attachment.content


async def test_an_officer_gets_every_team_with_its_pass_rate_and_who_is_overdue(
    bot: Services,
) -> None:
    bot.clock = lambda: CLICKED.replace(month=2)  # the campaigns fell due on 2027-01-18
    replies = await chat(bot, "dpo").say("rapport utbildning 2027-Q1")
    summary = replies[0].text
    assert summary.startswith("*Utbildningsrapport 2027-Q1*")
    assert "Totalt: 1 av 3 godkända (33%)" in summary
    assert "- it: 0% godkända (0/1), 0 inte godkända, 1 inte klara, 1 försenade" in summary
    assert "- kundtjanst: 50% godkända (1/2), 1 inte godkända, 0 inte klara, 1 försenade" in (
        summary
    )
    it = occurrence_of(bot, "quiz-it")
    assert f"- cia: GDPR-quiz för IT (#{it}, förföll 2027-01-18)" in summary
    name, content = file_of(replies)
    assert name == "gdpr-training-2027-Q1.csv"
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert sorted((r["routine_id"], r["team"], r["passed"]) for r in rows) == [
        ("quiz-it", "it", "0"),
        ("quiz-service", "kundtjanst", "1"),
    ]


async def test_a_team_lead_sees_only_the_campaigns_that_escalate_to_them(bot: Services) -> None:
    replies = await chat(bot, "itlead").say("report training 2027-Q1 json")
    _, content = file_of(replies)
    document = json.loads(content)
    assert [c["routine_id"] for c in document["campaigns"]] == ["quiz-it"]
    assert [t["team"] for t in document["teams"]] == ["it"]
    assert [p["result"] for p in document["people"]] == ["not_finished"]


async def test_a_trainee_is_refused_and_the_attempt_recorded(bot: Services) -> None:
    replies = await chat(bot, "anna").say("rapport utbildning")
    assert [r.text for r in replies] == [replies[0].text]
    assert replies[0].text.startswith("Utbildningsrapporten är för dataskyddsombud")
    assert replies[0].attachment is None
    [refused] = ledger_payloads(bot.sessions, ledger.REPORT_REFUSED)
    assert refused["command"] == "report training"
    assert ledger_payloads(bot.sessions, ledger.REPORT_EXPORTED) == []


async def test_each_export_is_a_ledger_entry_with_the_files_hash(bot: Services) -> None:
    import hashlib

    replies = await chat(bot, "lead").say("rapport utbildning 2027-Q1 html")
    name, content = file_of(replies)
    assert name == "gdpr-training-2027-Q1.html"
    assert b"<h2>Per team/kanal</h2>" in content and b"kundtjanst" in content
    assert b"quiz-it" not in content  # not this lead's campaign
    [exported] = ledger_payloads(bot.sessions, ledger.REPORT_EXPORTED)
    assert exported["report"] == "training"
    assert exported["routines"] == ["quiz-service"]
    assert exported["sha256"] == hashlib.sha256(content).hexdigest()


async def test_the_zip_holds_every_table_with_its_sums(bot: Services) -> None:
    replies = await chat(bot, "dpo").say("report training 2027-Q1 zip")
    _, content = file_of(replies)
    package = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(package.namelist()) == [
        "SHA256SUMS", "campaigns.csv", "people.csv", "teams.csv", "training.html",
        "training.json",
    ]  # fmt: skip
    people = list(csv.DictReader(io.StringIO(package.read("people.csv").decode("utf-8"))))
    assert sorted((p["person"], p["result"], p["right"]) for p in people) == [
        ("anna", "passed", "2"), ("bo", "failed", "0"), ("cia", "not_finished", ""),
    ]  # fmt: skip
