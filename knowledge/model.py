"""Values the knowledge package hands out: articles in, answers out. No chat, no platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Lang = Literal["sv", "en"]
Outcome = Literal["answer", "clarify", "refuse"]
# Why a question was refused (None when answered or clarified):
#   "no_match": nothing in the knowledge base is likely enough: refer to the DPO
#   "empty": no words to search (empty, only emoji or signs)
#   "greeting" / "thanks" / "farewell": small talk: reply with what the bot can do
Reason = Literal["no_match", "empty", "greeting", "thanks", "farewell"]


@dataclass(frozen=True)
class Article:
    id: str
    lang: Lang
    title: str
    body: str  # Markdown; the first paragraph is the short direct answer
    owner: str
    reviewed: date
    review_every_months: int = 12
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    gdpr: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    path: Path | None = None
    # a customer-service rights-request article the rights-request desk specialises per client
    needs_client: bool = False
    replaces: tuple[str, ...] = ()  # ids of articles merged into this one (old links resolve)


@dataclass(frozen=True)
class ArticleRef:
    id: str
    title: str
    owner: str
    reviewed: str  # ISO date
    gdpr: tuple[str, ...] = ()
    lang: Lang = "sv"


@dataclass(frozen=True)
class Suggestion:
    """An article offered in "did you mean …?": its id and title (the button), its
    probability of being what was asked, and its short answer (for tools and evaluation)."""

    id: str
    title: str
    score: float = 0.0
    text: str = field(default="", repr=False)


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question.

    `outcome` is the decision: "answer" (confident: `article`, `text`, `details`),
    "clarify" (unsure between a few articles: `suggestions` holds 2-3 of them, best first;
    `text` is the "did you mean" line) or "refuse" (`reason` says why; `text` is the honest
    fallback or the small-talk reply). `answered` is True exactly for "answer".
    `score` is the calibrated probability that the best article is the right one.
    """

    answered: bool
    lang: Lang
    text: str
    article: ArticleRef | None
    score: float
    suggestions: tuple[Suggestion, ...] = ()
    notice: str | None = None  # e.g. "only available in English"
    details: str = field(default="", repr=False)  # the rest of the article, for "more"
    outcome: Outcome = "refuse"
    reason: Reason | None = None
    needs_client: bool = False  # the article is a rights-request one (per-client specifics)
