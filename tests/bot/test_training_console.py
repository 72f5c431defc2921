"""Training campaigns and practice in the console: the campaign is posted to each person,
answered by typing numbers, passed, failed (with explanation and article), retried after
the cool-down with new questions, reminded and escalated; the same click counts once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.chat.messages import Action, Incoming, Reply
from bot.config import Settings
from bot.platforms.console.front_end import CONSOLE_REF, Console
from bot.privacy.erase import erase_person
from bot.privacy.export import export_person
from knowledge import KnowledgeBase
from routines import ledger
from routines.engine.models import Occurrence
from routines.engine.training import QuestionTally, TrainingAttempt
from storage.sessions import transaction
from tests.bot.training_env import (
    CLICKED,
    QUIZ,
    count,
    ledger_payloads,
    post_campaign,
    right_button,
    tick,
    write_campaign,
    wrong_button,
)

ANNA = "anna"


@pytest.fixture
async def bot(
    tmp_path: Path, test_knowledge: KnowledgeBase
) -> AsyncIterator[tuple[Services, list[str], Path]]:
    printed: list[str] = []
    catalogue = write_campaign(
        tmp_path / "routines.yaml", "console:anna", "{platform: console, person: lead}"
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        console="on",
        teams_enabled=False,
        scheduler_enabled=False,
        default_language="sv",
        routines_files=[str(catalogue)],
        quiz_dirs=[str(QUIZ)],
    )
    services = build_services(settings, knowledge_base=test_knowledge)
    services.clock = lambda: CLICKED
    yield services, printed, catalogue
    await services.close()


def console(services: Services) -> Console:
    return Console(services.pipeline, write=lambda text: None, user_id=ANNA)


def quiz_reply(replies: list[Reply]) -> Reply:
    [question] = [r for r in replies if r.buttons]
    return question


async def take_quiz(chat: Console, occurrence_id: int, *, right: bool) -> list[Reply]:
    """`utbildning <nr>`, then the right (or a wrong) number for each question."""
    replies = await chat.say(f"utbildning {occurrence_id}")
    everything = list(replies)
    while any(r.buttons for r in replies):
        question = quiz_reply(replies)
        button = right_button(question) if right else wrong_button(question)
        replies = await chat.say(str(chat.number_of(button)))  # the number the console shows
        everything += replies
    return everything


def status(services: Services, occurrence_id: int) -> str:
    with transaction(services.sessions) as session:
        found = session.get(Occurrence, occurrence_id)
        assert found is not None
        return found.status


async def test_the_campaign_is_posted_to_the_person_with_the_command_to_start(
    bot: tuple[Services, list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    printed = capsys.readouterr().out
    assert "GDPR-quiz för kundtjänst" in printed
    assert "2 frågor, godkänt vid 100 % rätt" in printed
    assert f"-> utbildning {occurrence_id}" in printed


async def test_passing_by_typing_numbers_is_recorded_as_evidence(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    replies = await take_quiz(console(services), occurrence_id, right=True)
    texts = "\n".join(r.text for r in replies)
    assert "*Fråga 1 av 2*" in texts and "*Fråga 2 av 2*" in texts
    assert texts.count("✅ Rätt!") == 2
    assert "Godkänt: 2 av 2 rätt" in texts
    [result] = ledger_payloads(services.sessions, ledger.TRAINING_RESULT)
    assert (result["right"], result["total"], result["passed"]) == (2, 2, True)
    assert status(services, occurrence_id) == "done"


async def test_quiz_options_are_lettered_so_they_never_read_as_button_numbers(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    question = quiz_reply(await console(services).say(f"utbildning {occurrence_id}"))
    labels = [b.label for b in question.buttons]
    assert labels == ["A", "B", "C", "D"][: len(labels)]
    options = question.text.split("\n")[-len(labels) :]
    assert [line[:3] for line in options] == [f"{x}. " for x in labels]


async def test_a_wrong_answer_shows_the_explanation_and_the_article(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    replies = await take_quiz(console(services), occurrence_id, right=False)
    wrong = [r.text for r in replies if r.text.startswith("❌")]
    assert len(wrong) == 2
    assert all("Rätt svar:" in text and "📖 Läs mer:" in text for text in wrong)
    assert any("Spåren behövs för utredningen." in t or "samma dag" in t for t in wrong)
    assert "Inte godkänt den här gången: 0 av 2 rätt" in replies[-1].text
    assert ledger_payloads(services.sessions, ledger.CONFIRMATION_RECORDED) == []
    assert status(services, occurrence_id) == "open"


async def test_a_failed_quiz_can_be_retried_after_the_cool_down_with_new_questions(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    chat = console(services)
    first = await take_quiz(chat, occurrence_id, right=False)
    asked = {r.text.split("\n")[1] for r in first if r.buttons}
    too_soon = await chat.say(f"utbildning {occurrence_id}")
    assert too_soon[0].text.startswith("Du kan göra om quizet från 2027-01-06 10:12")
    services.clock = lambda: CLICKED + timedelta(hours=24)
    retry = await chat.say(f"utbildning {occurrence_id}")
    fresh = quiz_reply(retry).text.split("\n")[1]
    assert fresh not in asked  # the bank has three questions: the unasked one comes first


async def test_the_same_click_twice_is_counted_once(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    question = quiz_reply(await console(services).say(f"utbildning {occurrence_id}"))
    button = right_button(question)
    click = Incoming(
        platform="console", user_id=ANNA, text="", conversation=CONSOLE_REF, is_direct=True,
        action=Action(action_id=button.action_id, value=button.value),
    )  # fmt: skip
    first = await services.pipeline.run(click, "action") or []
    again = await services.pipeline.run(click, "action") or []
    assert first[0].text == "✅ Rätt!"
    assert [r.text for r in again] == ["Den frågan är redan besvarad."]
    with transaction(services.sessions) as session:
        [attempt] = session.query(TrainingAttempt).all()
        assert (attempt.position, attempt.right) == (1, 1)
        assert sum(t.asked for t in session.query(QuestionTally).all()) == 1


async def test_someone_outside_the_audience_gets_no_quiz(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    eve = Console(services.pipeline, write=lambda text: None, user_id="eve")
    replies = await eve.say(f"utbildning {occurrence_id}")
    assert [r.text for r in replies] == ["Den här utbildningen är inte tilldelad dig."]


async def test_those_who_have_not_passed_are_reminded_and_escalated(
    bot: tuple[Services, list[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    capsys.readouterr()
    await tick(services, catalogue, CLICKED + timedelta(days=6))  # 7 days before due
    reminder = capsys.readouterr().out
    assert "Påminnelse" in reminder and f"-> utbildning {occurrence_id}" in reminder
    await tick(services, catalogue, CLICKED + timedelta(days=20))  # 2 days after due
    escalation = capsys.readouterr().out
    assert "Eskalering" in escalation


async def test_practice_is_a_round_that_is_not_recorded(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, _ = bot
    chat = console(services)
    replies = await chat.say("öva")
    rounds = 0
    while any(r.buttons for r in replies):
        replies = await chat.say(str(chat.number_of(right_button(quiz_reply(replies)))))
        rounds += 1
    assert rounds == 5
    assert "Övningen är klar: 5 av 5 rätt" in replies[-1].text
    assert count(services.sessions, TrainingAttempt) == 0
    assert count(services.sessions, QuestionTally) == 0


async def test_a_register_extract_includes_the_attempts_and_erasure_removes_them(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    await take_quiz(console(services), occurrence_id, right=False)
    with transaction(services.sessions) as session:
        extract = export_person(session, ANNA, now=CLICKED)
    [identity] = extract["identities"]
    [attempt] = identity["training_attempts"]
    assert (attempt["routine_id"], attempt["right"], attempt["passed"]) == (
        "quiz-campaign", 0, False,
    )  # fmt: skip
    assert any(e["event"] == ledger.TRAINING_RESULT for e in identity["ledger_entries"])
    with transaction(services.sessions) as session:
        erase_person(session, ANNA, now=CLICKED)
    assert count(services.sessions, TrainingAttempt) == 0
    [result] = ledger_payloads(services.sessions, ledger.TRAINING_RESULT)
    assert result["passed"] is False  # the evidence stays, keyed by the opaque person key


async def test_a_campaign_cannot_be_confirmed_with_kvittera(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    replies = await console(services).say(f"kvittera {occurrence_id}")
    [reply] = replies
    assert reply.text.startswith("Den här utbildningen bekräftas genom att du klarar quizet")
    assert status(services, occurrence_id) == "open"


async def test_a_person_sees_their_own_training_record(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    occurrence_id = await post_campaign(services, catalogue)
    chat = console(services)
    [todo] = await chat.say("utbildning")
    assert todo.text.splitlines() == [
        "Dina GDPR-utbildningar:",
        f"- *GDPR-quiz för kundtjänst* (#{occurrence_id}): att göra senast 2027-01-18: "
        f"`utbildning {occurrence_id}`",
    ]
    await take_quiz(chat, occurrence_id, right=True)
    [done] = await chat.say("utbildning")
    assert "✅ godkänd 2027-01-05 10:12, 2 av 2 rätt" in done.text


async def test_someone_with_no_training_is_told_so(
    bot: tuple[Services, list[str], Path],
) -> None:
    services, _, catalogue = bot
    await post_campaign(services, catalogue)
    eve = Console(services.pipeline, write=lambda text: None, user_id="eve")
    assert [r.text for r in await eve.say("trainings")] == ["You have no GDPR trainings assigned."]
