"""How an answer from the knowledge base looks in the chat, for every platform: the text,
its source card and the 👍/👎 buttons (or the honest fallback)."""

from __future__ import annotations

from bot.chat.i18n import t
from bot.chat.messages import AnswerCard, Button, Reply
from knowledge.model import Answer

ACTION_FEEDBACK_UP = "answer.up"
ACTION_FEEDBACK_DOWN = "answer.down"


def render_answer(answer: Answer, *, question_id: int | None, dpo_contact: str) -> Reply:
    """An answer (or an honest fallback) as a neutral reply with source and feedback buttons."""
    lang = answer.lang
    parts: list[str] = []
    if answer.notice:
        parts.append(f"_{answer.notice}_")
    parts.append(answer.text.strip())
    if not answer.answered:
        if dpo_contact and dpo_contact not in answer.text:
            parts.append(t("fallback.contact", lang, dpo=dpo_contact))
        missing = [s for s in answer.suggestions if s.title not in answer.text]
        if missing:
            parts.append(
                t("fallback.suggestions", lang) + "\n" + "\n".join(f"- {s.title}" for s in missing)
            )
    card = None
    if answer.answered and answer.article is not None:
        ref = answer.article
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
