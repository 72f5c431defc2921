"""The loaded knowledge base: articles by (id, language)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from knowledge.loader import SHIPPED_DIR, load_articles
from knowledge.model import Article, Lang


@dataclass(frozen=True)
class KnowledgeBase:
    articles: tuple[Article, ...]
    _by_key: dict[tuple[str, str], Article] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for article in self.articles:
            self._by_key[(article.id, article.lang)] = article
        for article in self.articles:
            for old in article.replaces:
                self._by_key.setdefault((old, article.lang), article)

    def get(self, article_id: str, lang: Lang) -> Article | None:
        """The article with this id, or the one that replaced it (merged articles keep
        their old ids working for links such as quiz questions)."""
        return self._by_key.get((article_id, lang))

    def resolve(self, article_id: str) -> str:
        """The current id for an id that may have been merged into another article."""
        for lang in ("sv", "en"):
            found = self._by_key.get((article_id, lang))
            if found is not None:
                return found.id
        return article_id

    def in_language(self, lang: Lang) -> list[Article]:
        return [a for a in self.articles if a.lang == lang]

    def ids(self) -> set[str]:
        return {a.id for a in self.articles}

    def __iter__(self) -> Iterator[Article]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)


def knowledge_dirs(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    """The shipped content first, then each extra dir (each may add or override)."""
    return [SHIPPED_DIR, *(Path(d) for d in extra_dirs)]


def load_knowledge_base(
    extra_dirs: Sequence[Path] = (), *, include_shipped: bool = True, today: date | None = None
) -> KnowledgeBase:
    """Load shipped content plus `extra_dirs`; raise KnowledgeError listing every problem."""
    dirs = knowledge_dirs(extra_dirs) if include_shipped else [Path(d) for d in extra_dirs]
    return KnowledgeBase(tuple(load_articles(dirs, today)))
