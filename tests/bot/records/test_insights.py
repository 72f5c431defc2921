"""Question insights on a fixed scenario: exact figures in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.features.insights_figures import (
    Insights,
    group_questions,
    iso_week,
    normalise,
    render_csv,
    render_json,
    render_text,
    similar,
)
from bot.features.kinds import knowledge_gaps_provider as gaps_provider
from bot.records.insights import compute_insights, recent_unanswered
from bot.records.questions import record_feedback, record_question
from storage.sessions import session_factory, transaction

knowledge_gaps_provider = gaps_provider(recent_unanswered)

# Monday 2027-03-01 is in ISO week 2027-W09; Monday 2027-03-08 in W10.
W09 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
W10 = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


def q(
    session: Session,
    text: str,
    at: datetime,
    *,
    lang: str = "sv",
    article: str | None = None,
    vote: str | None = None,
) -> None:
    qid = record_question(
        session,
        text=text,
        lang=lang,
        answered=article is not None,
        article_id=article,
        score=5.0 if article else 0.5,
        now=at,
    )
    if vote:
        assert qid is not None
        record_feedback(session, qid, vote, at, voter="slack:UASKER")  # type: ignore[arg-type]


@pytest.fixture
def scenario(session: Session) -> Session:
    """10 questions: 6 answered (4 sv, 2 en), 4 unanswered in two near-duplicate groups."""
    q(session, "Hur länge får vi spara samtal?", W09, article="recording", vote="down")
    q(session, "Får vi spela in samtal?", W09, article="recording", vote="down")
    q(session, "Spela in kundsamtal", W10, article="recording", vote="up")
    q(session, "Vad är en personuppgiftsincident?", W10, article="breach")
    q(session, "What is a data breach?", W10, lang="en", article="breach", vote="down")
    q(session, "Who is our DPO?", W10, lang="en", article="dpo")
    q(session, "Får vi använda ChatGPT med kunddata?", W09)
    q(session, "får vi använda chatgpt med kunddata", W10)
    q(session, "Kunddata i ChatGPT, får vi använda?", W10)
    q(session, "Can we use WhatsApp with customers?", W10, lang="en")
    q(session, "Old question outside the window", W09 - timedelta(days=30), lang="en")
    return session


@pytest.fixture
def insights(scenario: Session) -> Insights:
    return compute_insights(scenario, now=NOW, since=W09 - timedelta(days=1))


def test_totals_count_only_the_window(insights: Insights) -> None:
    assert (insights.asked, insights.answered) == (10, 6)


def test_unanswered_questions_are_grouped_biggest_first(insights: Insights) -> None:
    groups = [(g.text, g.count, g.lang) for g in insights.unanswered]
    assert groups == [
        ("Får vi använda ChatGPT med kunddata?", 3, "sv"),
        ("Can we use WhatsApp with customers?", 1, "en"),
    ]
    assert insights.unanswered[0].examples == (
        "får vi använda chatgpt med kunddata",
        "Kunddata i ChatGPT, får vi använda?",
    )


def test_articles_with_most_downvotes(insights: Insights) -> None:
    assert [(v.article_id, v.down, v.up) for v in insights.most_downvoted] == [
        ("recording", 2, 1),
        ("breach", 1, 0),
    ]


def test_most_asked_articles(insights: Insights) -> None:
    assert [(c.article_id, c.count) for c in insights.most_asked] == [
        ("recording", 3),
        ("breach", 2),
        ("dpo", 1),
    ]


def test_answer_rate_per_language(insights: Insights) -> None:
    assert [(r.key, r.asked, r.answered) for r in insights.by_language] == [
        ("en", 3, 2),
        ("sv", 7, 4),
    ]
    assert insights.by_language[0].rate == pytest.approx(2 / 3)


def test_answer_rate_per_iso_week(insights: Insights) -> None:
    assert [(r.key, r.asked, r.answered) for r in insights.by_week] == [
        ("2027-W09", 3, 2),
        ("2027-W10", 7, 4),
    ]


def test_without_since_everything_kept_counts(scenario: Session) -> None:
    assert compute_insights(scenario, now=NOW).asked == 11


def test_an_empty_log_gives_zero_figures(session: Session) -> None:
    empty = compute_insights(session, now=NOW)
    assert (empty.asked, empty.unanswered, empty.by_week) == (0, (), ())
    assert "inga" in render_text(empty, "sv")


def test_json_carries_the_same_figures(insights: Insights) -> None:
    data = json.loads(render_json(insights))
    assert (data["asked"], data["answered"]) == (10, 6)
    assert data["unanswered"][0]["count"] == 3
    assert data["by_week"][1] == {"key": "2027-W10", "asked": 7, "answered": 4, "rate": 0.5714}


def test_csv_has_a_bom_one_header_and_a_section_column(insights: Insights) -> None:
    text = render_csv(insights)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    sections = [r["section"] for r in rows]
    assert sections.count("unanswered") == 2
    first = next(r for r in rows if r["section"] == "unanswered")
    assert (first["key"], first["count"]) == ("Får vi använda ChatGPT med kunddata?", "3")
    week = next(r for r in rows if r["key"] == "2027-W09")
    assert (week["count"], week["answered"], week["answer_rate"]) == ("3", "2", "0.6667")


def test_a_question_that_starts_like_a_formula_is_text_in_the_csv(session: Session) -> None:
    """Questions are typed by anyone; the CSV is opened in Excel by the article owners."""
    q(session, '=HYPERLINK("http://evil","klick")', W10)
    q(session, "-1 poäng på quizet, varför?", W10)

    text = render_csv(compute_insights(session, now=NOW, since=W09))

    keys = [r["key"] for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))]
    assert '\'=HYPERLINK("http://evil","klick")' in keys
    assert "'-1 poäng på quizet, varför?" in keys


def test_chat_text_in_swedish_and_english(insights: Insights) -> None:
    sv = render_text(insights, "sv")
    en = render_text(insights, "en")
    assert "Obesvarade frågor" in sv and "3 ggr (sv): Får vi använda ChatGPT" in sv
    assert "Unanswered questions" in en and "2027-W10: 4/7 (57 %)" in en


def test_normalising_ignores_case_punctuation_and_spacing() -> None:
    assert normalise("  Får VI, spara  samtal?! ") == "får vi spara samtal"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("may we record calls", "calls may we record", True),  # same words, reordered
        ("vad är en personuppgiftsincident", "vad är en personuppgiftsincidnet", True),  # typo
        ("who is our dpo", "how long do we keep cvs", False),
    ],
)
def test_near_duplicate_rule(a: str, b: str, expected: bool) -> None:
    assert similar(a, b) is expected


def test_groups_never_mix_languages() -> None:
    groups = group_questions([("GDPR", "sv"), ("GDPR", "en")], limit=10)
    assert [(g.lang, g.count) for g in groups] == [("sv", 1), ("en", 1)]


def test_iso_week_uses_the_iso_year() -> None:
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"


def test_knowledge_gaps_routine_lists_the_months_unanswered_questions(scenario: Session) -> None:
    from routines.catalog import load_catalog

    routine = load_catalog().get("knowledge-gaps")
    assert routine is not None and routine.kind == "knowledge_gaps"
    content = knowledge_gaps_provider(scenario, routine, NOW.date(), NOW)
    assert not content.skip
    assert "- 3 ggr (sv): Får vi använda ChatGPT med kunddata?" in content.text["sv"]
    assert content.text["en"].startswith("*Questions the bot could not answer in the last 31")
    assert "Old question outside the window" not in content.text["en"]


def test_knowledge_gaps_routine_is_skipped_in_a_month_without_gaps(session: Session) -> None:
    from routines.catalog import load_catalog

    routine = load_catalog().get("knowledge-gaps")
    assert routine is not None
    content = knowledge_gaps_provider(session, routine, NOW.date(), NOW)
    assert content.skip and not content.text
