"""Values the knowledge package hands out: articles in, answers out. No chat, no platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

Lang = Literal["sv", "en"]


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
    id: str
    title: str


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question. `answered=False` means an honest fallback."""

    answered: bool
    lang: Lang
    text: str
    article: ArticleRef | None
    score: float
    suggestions: tuple[Suggestion, ...] = ()
    notice: str | None = None  # e.g. "only available in English"
    details: str = field(default="", repr=False)  # the rest of the article, for "more"
