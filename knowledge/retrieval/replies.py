"""What the answerer says when it does not quote an article: the "did you mean" line, the
honest refusal, the replies to greetings, thanks and empty messages (sv and en)."""

from __future__ import annotations

from knowledge.model import Article, ArticleRef

NOTICE = {
    "sv": "Artikeln finns bara på engelska.",
    "en": "This article is only available in Swedish.",
}
TEXTS: dict[str, dict[str, str]] = {
    "no_match": {
        "sv": "Det kan jag tyvärr inte svara säkert på. Fråga dataskyddsombudet: {dpo}.",
        "en": "Sorry, I don't know the answer to that. Please ask the data protection "
        "officer: {dpo}.",
    },
    "clarify": {
        "sv": "Jag är inte säker på vad du menar. Menar du något av det här?",
        "en": "I'm not sure what you mean. Did you mean one of these?",
    },
    "empty": {
        "sv": "Skriv din fråga med några ord, t.ex. ”kunden vill ha ett registerutdrag”.",
        "en": "Type your question in a few words, e.g. “a customer wants a copy of their data”.",
    },
    "greeting": {
        "sv": "Hej! Jag svarar på frågor om GDPR och dataskydd utifrån företagets egna "
        "rutiner, t.ex. ”kunden vill bli raderad” eller ”jag mejlade fel kund”.",
        "en": "Hi! I answer questions about GDPR and data protection from the company's own "
        "routines, e.g. “a customer wants to be deleted” or “I emailed the wrong customer”.",
    },
    "farewell": {
        "sv": "Hej då! Fråga gärna igen om det dyker upp något mer om GDPR.",
        "en": "Goodbye! Ask again whenever something about GDPR comes up.",
    },
    "thanks": {
        "sv": "Varsågod! Fråga gärna igen om det dyker upp något mer om GDPR.",
        "en": "You're welcome! Ask again whenever something about GDPR comes up.",
    },
}


def article_ref(article: Article, title: str) -> ArticleRef:
    """How an answer names its article (`title` with placeholders filled in)."""
    return ArticleRef(
        id=article.id,
        title=title,
        owner=article.owner,
        reviewed=article.reviewed.isoformat(),
        gdpr=article.gdpr,
        lang=article.lang,
    )
