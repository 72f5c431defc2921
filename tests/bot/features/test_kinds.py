"""The `kb_review` routine kind: articles past their review interval, owners reminded."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.features.kinds import kb_review_provider, overdue_articles, review_due
from knowledge import Article
from routines.catalog import load_catalog

MONTH_START = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 8, tzinfo=UTC)


def article(
    article_id: str, reviewed: date, owner: str, lang: str = "sv", every: int = 12
) -> Article:
    return Article(
        id=article_id,
        lang=lang,  # type: ignore[arg-type]
        title=f"Titel {article_id}",
        body="Text.",
        owner=owner,
        reviewed=reviewed,
        review_every_months=every,
    )


ARTICLES = [
    article("gallring", date(2026, 2, 15), "anna@example.com"),
    article("gallring", date(2026, 2, 15), "anna@example.com", lang="en"),
    article("samtycke", date(2026, 9, 1), "slack:UBO", every=6),
    article("incident", date(2026, 12, 1), "Dataskyddsombudet"),  # not yet due
]


def test_review_is_due_the_given_number_of_months_after_the_last_review() -> None:
    assert review_due(article("x", date(2026, 8, 31), "o", every=6)) == date(2027, 2, 28)


def test_only_articles_past_their_interval_are_listed_grouped_by_owner() -> None:
    assert [(a.id, a.lang) for a in overdue_articles(ARTICLES, MONTH_START)] == [
        ("gallring", "en"),
        ("gallring", "sv"),
        ("samtycke", "sv"),
    ]


def test_the_provider_lists_articles_per_language_and_adds_owners_as_recipients() -> None:
    routine = load_catalog().get("kb-article-review")
    assert routine is not None
    content = kb_review_provider(lambda: ARTICLES)(None, routine, MONTH_START, NOW)  # type: ignore[arg-type]
    assert not content.skip
    assert "Titel gallring (`gallring`), ägare anna@example.com" in content.text["sv"]
    assert "Titel samtycke" in content.text["en"]
    assert "incident" not in content.text["sv"]
    assert sorted((t.platform, t.address) for t in content.people) == [
        ("console", "anna@example.com"),
        ("slack", "UBO"),
    ]


def test_the_provider_skips_a_month_with_nothing_to_review() -> None:
    routine = load_catalog().get("kb-article-review")
    assert routine is not None
    content = kb_review_provider(lambda: ARTICLES[3:])(None, routine, MONTH_START, NOW)  # type: ignore[arg-type]
    assert content.skip
