"""How the knowledge base's three outcomes look in the chat, for every platform.

- **answer**: the short answer, its source card (title, owner, last review, GDPR
  articles) and 👍/👎 buttons carrying the question-log id;
- **clarify**: "Menar du …? / Did you mean …?" with the top 2-3 articles as choice buttons
  (kind `article`, see bot/chat/choices.py); a click is answered with that article and
  recorded as a resolved clarification; a line says whom to ask when none fits;
- **refuse**: the honest "I can't answer that safely" with the DPO contact; but greetings
  and thanks get a short friendly reply saying what the bot can do, and a message without
  words a hint how to ask, neither with a referral to the DPO.
"""

from __future__ import annotations

from bot.chat.choices import Choice, choice_buttons
from bot.chat.i18n import add_strings, t
from bot.chat.messages import AnswerCard, Button, Reply
from knowledge.model import Answer

ACTION_FEEDBACK_UP = "answer.up"
ACTION_FEEDBACK_DOWN = "answer.down"
# The choice kind of "did you mean": the option's value is an article id.
ARTICLE_CHOICE = "article"
# Slack cuts a button label at 75 characters; a title is shortened where a word ends.
MAX_LABEL_CHARS = 75

add_strings(
    {
        "sv": {
            "answers.none_of_these": "Inget av dem? Fråga {dpo}.",
            "answers.smalltalk_help": "Skriv `hjälp` för att se vad mer jag kan göra.",
            "answers.article_gone": "Den artikeln finns inte längre. Ställ frågan igen.",
        },
        "en": {
            "answers.none_of_these": "None of these? Ask {dpo}.",
            "answers.smalltalk_help": "Type `help` to see what else I can do.",
            "answers.article_gone": "That article no longer exists. Please ask again.",
        },
    }
)


def render_answer(answer: Answer, *, question_id: int | None, dpo_contact: str) -> Reply:
    """One of the three outcomes as a neutral reply (see the module docstring)."""
    if answer.outcome == "answer" and answer.article is not None:
        return _answered(answer, question_id)
    if answer.outcome == "clarify" and answer.suggestions:
        return _clarify(answer, question_id, dpo_contact)
    return _refusal(answer, dpo_contact)


def _answered(answer: Answer, question_id: int | None) -> Reply:
    ref = answer.article
    assert ref is not None
    parts = [f"_{answer.notice}_"] if answer.notice else []
    parts.append(answer.text.strip())
    card = AnswerCard(
        article_id=ref.id,
        title=ref.title,
        owner=ref.owner,
        reviewed=ref.reviewed,
        gdpr=tuple(ref.gdpr),
        lang=ref.lang,
    )
    buttons: tuple[Button, ...] = ()
    if question_id is not None:
        value = str(question_id)
        buttons = (
            Button(ACTION_FEEDBACK_UP, "👍", value=value),
            Button(ACTION_FEEDBACK_DOWN, "👎", value=value),
        )
    return Reply(text="\n\n".join(p for p in parts if p), card=card, buttons=buttons)


def _clarify(answer: Answer, question_id: int | None, dpo_contact: str) -> Reply:
    """ "Did you mean" with one button per article; the question-log id rides along so
    the click can be recorded as the clarification's resolution."""
    lang = answer.lang
    parts = [answer.text.strip()]
    if dpo_contact:
        parts.append(t("answers.none_of_these", lang, dpo=dpo_contact))
    choices = [Choice(_label(s.title), s.id) for s in answer.suggestions]
    context = "" if question_id is None else str(question_id)
    buttons = choice_buttons(ARTICLE_CHOICE, choices, context=context, lang=lang)
    return Reply(text="\n\n".join(parts), buttons=buttons)


def _refusal(answer: Answer, dpo_contact: str) -> Reply:
    lang = answer.lang
    parts = [answer.text.strip()]
    if answer.reason in ("greeting", "thanks", "farewell"):
        parts.append(t("answers.smalltalk_help", lang))
    elif answer.reason != "empty" and dpo_contact and dpo_contact not in answer.text:
        parts.append(t("fallback.contact", lang, dpo=dpo_contact))
    return Reply(text="\n\n".join(p for p in parts if p))


def _label(title: str) -> str:
    if len(title) <= MAX_LABEL_CHARS:
        return title
    cut = title[: MAX_LABEL_CHARS - 1].rsplit(" ", 1)[0].rstrip(" –-,")
    return cut + "…"


def source_line(card: AnswerCard, lang: str) -> str:
    """`Source: <title> · Owner: <owner> · Reviewed: <date> · GDPR art. 5, 6` (one line)."""
    pieces = [
        f"{t('source', lang)}: {card.title}",
        f"{t('owner', lang)}: {card.owner}",
        f"{t('reviewed', lang)}: {card.reviewed}",
    ]
    if card.gdpr:
        pieces.append(", ".join(card.gdpr))
    return " · ".join(pieces)
