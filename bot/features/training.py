"""Quizzes in the chat: a training campaign's quiz (routine kind `training`) and practice.

- `training.start` (the campaign post's button) or `utbildning <nr>` / `training <no>`
  starts or resumes the person's quiz for that campaign; passing it confirms the
  campaign for them (routines/engine/training.py keeps the evidence).
- `öva` / `quiz` / `practice`: a 5-question practice round, recorded nowhere.

Each question is a reply with choice buttons (bot/chat/choices.py, kind `quiz`): Slack
and Teams show buttons, the console numbers to type. A button's value holds only the
option picked; the campaign context is the attempt and the position, and the question at
that position is read from the attempt, so a click cannot choose its own question.
A wrong answer shows the right one, the one-line explanation and the article to read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.authz import ChannelAudience, Policy, refusal_text
from bot.chat.choices import Choice, Picked, choice_reply
from bot.chat.i18n import add_strings, t
from bot.chat.messages import Incoming, Reply
from bot.features.routines import actor_of, subject_of
from knowledge import KnowledgeBase
from knowledge.quiz import QUIZ_DIR, Question, QuizBank, load_quiz_bank
from routines.ports import ACTION_QUIZ
from routines.service import (
    Answered,
    Attempt,
    RoutineService,
    Started,
    Training,
    TrainingRecord,
)

log = logging.getLogger(__name__)
KIND = QUIZ_KIND = "quiz"
PRACTICE_QUESTIONS = 5

add_strings(
    {
        "sv": {
            "training.question": "*Fråga {n} av {total}*\n{question}",
            "training.right": "✅ Rätt!",
            "training.wrong": "❌ Inte riktigt. Rätt svar: {answer}",
            "training.read": "📖 Läs mer: *{title}* (skriv `fråga {title}`)",
            "training.passed": (
                "🎉 Godkänt: {right} av {total} rätt. Det är registrerat som bevis för "
                "utbildningen *{title}*."
            ),
            "training.failed": (
                "Inte godkänt den här gången: {right} av {total} rätt (godkänt vid {mark} %). "
                "Du kan göra om quizet med nya frågor från {retry}: skriv `utbildning {id}`."
            ),
            "training.resumed": "Vi fortsätter där du slutade.",
            "training.already_passed": "Du har redan klarat den här utbildningen. 👍",
            "training.cooldown": "Du kan göra om quizet från {retry}, med nya frågor.",
            "training.closed": "Den här utbildningen är avslutad; inget mer behöver göras.",
            "training.no_questions": (
                "Frågebanken har inga frågor för den här utbildningen. Hör av dig till "
                "dataskyddsombudet."
            ),
            "training.not_assignee": "Den här utbildningen är inte tilldelad dig.",
            "training.not_found": "Jag hittar ingen utbildning med nummer {id}.",
            "training.already": "Den frågan är redan besvarad.",
            "training.bad_id": "Ange utbildningens nummer, t.ex. `utbildning 12`.",
            "training.practice_done": (
                "Övningen är klar: {right} av {total} rätt. Övningar sparas inte; skriv `öva` "
                "för en ny omgång."
            ),
            "training.practice_empty": "Frågebanken är tom.",
            "training.record.none": "Du har inga GDPR-utbildningar tilldelade.",
            "training.record.header": "Dina GDPR-utbildningar:",
            "training.record.passed": "✅ godkänd {at}, {right} av {total} rätt",
            "training.record.failed": (
                "❌ inte godkänd ännu ({right} av {total} rätt); gör om: `utbildning {id}`"
            ),
            "training.record.todo": "att göra senast {due}: `utbildning {id}`",
            "training.record.closed": "avslutad utan godkänt resultat",
        },
        "en": {
            "training.question": "*Question {n} of {total}*\n{question}",
            "training.right": "✅ Right!",
            "training.wrong": "❌ Not quite. The right answer: {answer}",
            "training.read": "📖 Read more: *{title}* (type `ask {title}`)",
            "training.passed": (
                "🎉 Passed: {right} of {total} right. It is recorded as evidence of the "
                "training *{title}*."
            ),
            "training.failed": (
                "Not passed this time: {right} of {total} right (pass mark {mark} %). "
                "You can retake the quiz with new questions from {retry}: type `training {id}`."
            ),
            "training.resumed": "Let's go on where you left off.",
            "training.already_passed": "You have already passed this training. 👍",
            "training.cooldown": "You can retake the quiz from {retry}, with new questions.",
            "training.closed": "This training is closed; nothing more to do.",
            "training.no_questions": (
                "The question bank has no questions for this training. Please contact the "
                "data protection officer."
            ),
            "training.not_assignee": "This training is not assigned to you.",
            "training.not_found": "I cannot find a training with number {id}.",
            "training.already": "That question has already been answered.",
            "training.bad_id": "Give the training's number, e.g. `training 12`.",
            "training.practice_done": (
                "Practice done: {right} of {total} right. Practice rounds are not recorded; "
                "type `practice` for another round."
            ),
            "training.practice_empty": "The question bank is empty.",
            "training.record.none": "You have no GDPR trainings assigned.",
            "training.record.header": "Your GDPR trainings:",
            "training.record.passed": "✅ passed {at}, {right} of {total} right",
            "training.record.failed": (
                "❌ not passed yet ({right} of {total} right); retake: `training {id}`"
            ),
            "training.record.todo": "to do by {due}: `training {id}`",
            "training.record.closed": "closed without a pass",
        },
    }
)


LETTERS = "ABCDEFGH"  # the quiz files allow 3-4 options


def question_reply(
    question: Question, n: int, total: int, context: str, lang: str, private: bool
) -> Reply:
    """The question and its options as lettered lines, one button per letter. The order
    is shuffled per question and context (the right answer is not always the first).
    Letters, not numbers: in the console buttons are clicked by typing their number, and
    an option "2" shown as button [5] invited typing 2 and clicking an older button."""
    order = list(range(len(question.options)))
    random.Random(f"{question.id}|{context}").shuffle(order)
    lines = [t("training.question", lang, n=n, total=total, question=question.question)]
    lettered = list(zip(LETTERS, order, strict=False))
    lines += [f"{letter}. {question.options[index]}" for letter, index in lettered]
    choices = [Choice(letter, str(index)) for letter, index in lettered]
    return choice_reply("\n".join(lines), KIND, choices, context=context, lang=lang,
                        private=private)  # fmt: skip


class TrainingFeature:
    """`utbildning`/`training`, `öva`/`quiz`/`practice`, the `training.start` button and
    the quiz's choice clicks (a `ChatFeature`)."""

    name = "training"
    action_prefixes: tuple[str, ...] = ("training.",)

    def __init__(
        self,
        service: RoutineService,
        bank: QuizBank,
        titles: Mapping[tuple[str, str], str],
        *,
        clock: Callable[[], datetime],
        timezone: str,
        policy: Policy,
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self.policy = policy  # `training.take`: who may start a campaign's quiz
        self.bank = bank
        self.titles = titles  # (article id, lang) -> title
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.rng = rng or random.Random()

    # --- entry points ------------------------------------------------------------------

    async def on_command(
        self, command: str, args: str, incoming: Incoming, lang: str
    ) -> list[Reply]:
        if command == "practice":
            return self._practice_start(incoming, lang)
        raw = args.strip().split(" ", 1)[0]
        if not raw:
            return await self._record(incoming, lang)
        if not raw.isdigit():
            return [Reply(text=t("training.bad_id", lang), private=True)]
        return await self._start(int(raw), incoming, lang)

    async def on_action(self, incoming: Incoming, lang: str) -> list[Reply]:
        action = incoming.action
        if action is None or action.action_id != ACTION_QUIZ:
            return []
        if not action.value.strip().isdigit():
            return [Reply(text=t("training.bad_id", lang), private=True)]
        return await self._start(int(action.value), incoming, lang)

    async def on_pick(self, picked: Picked, incoming: Incoming) -> list[Reply]:
        """A click on one of the quiz's options (registered for choice kind `quiz`)."""
        mode, _, rest = picked.context.partition(":")
        lang = picked.lang if picked.lang in ("sv", "en") else "sv"
        if not picked.value.isdigit():
            return []
        option = int(picked.value)
        if mode == "p":
            return self._practice_next(rest, option, incoming, lang)
        attempt_id, _, position = rest.partition(":")
        if mode != "c" or not attempt_id.isdigit() or not position.isdigit():
            return []
        return await self._answer(int(attempt_id), int(position), option, incoming, lang)

    # --- the person's own record ---------------------------------------------------------

    async def _record(self, incoming: Incoming, lang: str) -> list[Reply]:
        records: list[TrainingRecord] = await asyncio.to_thread(
            self.service.quiz.record, actor_of(incoming), self.clock()
        )
        if not records:
            return [Reply(text=t("training.record.none", lang), private=True)]
        lines = [t("training.record.header", lang)]
        for record in records:
            title = self.service.title(record.routine_id, lang)
            if record.passed:
                assert record.finished_at is not None
                state = t("training.record.passed", lang, right=record.right,
                          total=record.total, at=self._local(record.finished_at))  # fmt: skip
            elif record.status != "open":
                state = t("training.record.closed", lang)
            elif record.passed is False:
                state = t("training.record.failed", lang, right=record.right, total=record.total,
                          id=record.occurrence_id)  # fmt: skip
            else:
                state = t("training.record.todo", lang, due=record.due_date.isoformat(),
                          id=record.occurrence_id)  # fmt: skip
            lines.append(f"- *{title}* (#{record.occurrence_id}): {state}")
        return [Reply(text="\n".join(lines), private=True)]

    # --- a campaign's quiz ---------------------------------------------------------------

    def _draw(self, lang: str, avoid: Sequence[str], settings: Training) -> list[str]:
        drawn = self.bank.draw(lang, settings.questions, tags=settings.tags, avoid=avoid,
                               rng=self.rng)  # fmt: skip
        return [q.id for q in drawn]

    async def _start(self, occurrence_id: int, incoming: Incoming, lang: str) -> list[Reply]:
        private = not incoming.is_direct
        audience = await asyncio.to_thread(self.service.audience, occurrence_id)
        if audience is not None:  # none: the service answers "not found"
            resource = ChannelAudience(audience.routine_id, audience.anyone_in_channel,
                                       audience.channels)  # fmt: skip
            decision = await self.policy.check("training.take", subject_of(incoming), resource)
            if not decision:
                text = refusal_text(decision, lang) or t("training.not_assignee", lang)
                return [Reply(text=text, private=True)]
        started: Started = await asyncio.to_thread(
            self.service.quiz.start, occurrence_id, actor_of(incoming), lang, self._draw,
            self.clock(),
        )  # fmt: skip
        attempt = started.attempt
        if started.result in ("started", "resumed") and attempt is not None:
            replies = []
            if started.result == "resumed":
                replies.append(Reply(text=t("training.resumed", attempt.lang), private=private))
            return replies + self._ask(attempt, attempt.position, private)
        key = "already_passed" if started.result == "passed" else started.result
        retry = self._local(started.retry_at) if started.retry_at else ""
        text = t(f"training.{key}", lang, id=occurrence_id, retry=retry)
        return [Reply(text=text, private=True)]

    def _ask(self, attempt: Attempt, position: int, private: bool) -> list[Reply]:
        question = self.bank.get(attempt.questions[position], attempt.lang)
        if question is None:  # left the bank since the draw: counted as not answered right
            return [Reply(text=t("training.no_questions", attempt.lang), private=True)]
        context = f"c:{attempt.id}:{position}"
        total = len(attempt.questions)
        return [question_reply(question, position + 1, total, context, attempt.lang, private)]

    async def _answer(
        self, attempt_id: int, position: int, option: int, incoming: Incoming, lang: str
    ) -> list[Reply]:
        def judge(question_id: str, question_lang: str) -> bool:
            question = self.bank.get(question_id, question_lang)
            return question is not None and question.is_right(option)

        answered: Answered = await asyncio.to_thread(
            self.service.quiz.answer, attempt_id, position, judge, actor_of(incoming),
            self.clock(),
        )  # fmt: skip
        attempt = answered.attempt
        if answered.result == "not_found" or attempt is None:
            return []
        if answered.result == "already":
            return [Reply(text=t("training.already", attempt.lang), private=True)]
        private = not incoming.is_direct
        question = self.bank.get(attempt.questions[position], attempt.lang)
        replies = [self._feedback(question, option, attempt.lang, private)]
        if answered.result == "next":
            return replies + self._ask(attempt, attempt.position, private)
        replies.append(Reply(text=self._result(attempt), private=private))
        return replies

    def _result(self, attempt: Attempt) -> str:
        lang, total = attempt.lang, len(attempt.questions)
        title = self.service.title(attempt.routine_id, lang)
        if attempt.passed:
            return t("training.passed", lang, right=attempt.right, total=total, title=title)
        routine = self.service.catalog.get(attempt.routine_id)
        settings = routine.training if routine and routine.training else Training()
        retry = self._local(self.clock(), hours=settings.cooldown_hours)
        return t("training.failed", lang, right=attempt.right, total=total,
                 mark=settings.pass_mark, retry=retry, id=attempt.occurrence_id)  # fmt: skip

    def _local(self, at: datetime, *, hours: int = 0) -> str:
        return (at + timedelta(hours=hours)).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    # --- feedback ------------------------------------------------------------------------

    def _feedback(self, question: Question | None, option: int, lang: str, private: bool) -> Reply:
        if question is None or question.is_right(option):
            return Reply(text=t("training.right", lang), private=private)
        answer = " / ".join(question.options[i] for i in sorted(question.correct))
        lines = [t("training.wrong", lang, answer=answer), question.explanation]
        title = self.titles.get((question.article, lang))
        if title:
            lines.append(t("training.read", lang, title=title))
        return Reply(text="\n".join(lines), private=private)

    # --- practice: the whole state travels in the buttons, nothing is stored --------------

    def _practice_start(self, incoming: Incoming, lang: str) -> list[Reply]:
        drawn = self.bank.draw(lang, PRACTICE_QUESTIONS, rng=self.rng)
        if not drawn:
            return [Reply(text=t("training.practice_empty", lang), private=True)]
        ids = ",".join(q.id for q in drawn)
        context = f"p:0:0:{ids}"
        return [question_reply(drawn[0], 1, len(drawn), context, lang, not incoming.is_direct)]

    def _practice_next(self, rest: str, option: int, incoming: Incoming, lang: str) -> list[Reply]:
        position, right, ids = _practice_state(rest)
        if position is None or position >= len(ids):
            return []
        private = not incoming.is_direct
        question = self.bank.get(ids[position], lang)
        right += 1 if question is not None and question.is_right(option) else 0
        replies = [self._feedback(question, option, lang, private)]
        following = position + 1
        if following >= len(ids):
            done = t("training.practice_done", lang, right=right, total=len(ids))
            return [*replies, Reply(text=done, private=private)]
        upcoming = self.bank.get(ids[following], lang)
        if upcoming is None:
            return replies
        context = f"p:{following}:{right}:{','.join(ids)}"
        return [*replies, question_reply(upcoming, following + 1, len(ids), context, lang, private)]


def _practice_state(rest: str) -> tuple[int | None, int, list[str]]:
    """`<position>:<right>:<id,id,...>` from a practice button's context."""
    position, _, remainder = rest.partition(":")
    right, _, ids = remainder.partition(":")
    if not position.isdigit() or not right.isdigit():
        return None, 0, []
    return int(position), int(right), [i for i in ids.split(",") if i]


def training_feature(
    service: RoutineService,
    knowledge: KnowledgeBase,
    quiz_paths: Sequence[Path],
    clock: Callable[[], datetime],
    timezone: str,
    policy: Policy,
) -> TrainingFeature:
    """The feature over the shipped bank plus GDPRBOT_QUIZ_DIR (a broken bank raises
    KnowledgeError and stops the bot, as a broken knowledge base does). Questions whose
    article is not in the loaded knowledge base are left out, with a warning
    (`gdpr-bot quiz check` names them)."""
    titles: dict[tuple[str, str], str] = {(a.id, a.lang): a.title for a in knowledge}
    loaded = load_quiz_bank([QUIZ_DIR, *quiz_paths])
    bank = QuizBank(tuple(q for q in loaded.questions if (q.article, q.lang) in titles))
    if len(bank.questions) < len(loaded.questions):
        log.warning(
            "quiz questions left out: their article is not in the knowledge base",
            extra={"count": len(loaded.questions) - len(bank.questions)},
        )
    return TrainingFeature(service, bank, titles, clock=clock, timezone=timezone, policy=policy)
