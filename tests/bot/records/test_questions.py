"""The anonymous question log: what is stored, feedback once, retention at the boundary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.records.questions import (
    QuestionRecord,
    purge_questions,
    questions_of,
    record_clarification_resolved,
    record_feedback,
    record_question,
    unlink_person,
)
from storage.clock import as_utc
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(session_factory(engine)) as s:
        yield s


def ask(session: Session, text: str = "Får vi spara kundsamtal?", **kw: object) -> int | None:
    args: dict[str, object] = dict(
        text=text, lang="sv", answered=True, article_id="recording", score=7.5, now=NOW
    )
    args.update(kw)
    return record_question(session, **args)  # type: ignore[arg-type]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(QuestionRecord)) or 0)


def test_a_question_is_stored_without_any_person_key(session: Session) -> None:
    qid = ask(session, person_key="abc123")
    assert qid is not None
    row = session.get(QuestionRecord, qid)
    assert row is not None
    assert (row.text, row.lang, row.answered, row.article_id, row.score) == (
        "Får vi spara kundsamtal?",
        "sv",
        True,
        "recording",
        7.5,
    )
    assert row.person_key is None
    assert row.vote is None
    assert as_utc(row.asked_at) == NOW


def test_logging_off_stores_nothing(session: Session) -> None:
    assert ask(session, mode="off") is None
    assert count(session) == 0


def test_linked_mode_keeps_the_key_and_erasure_unlinks_it(session: Session) -> None:
    qid = ask(session, mode="linked", person_key="abc123")
    assert [r.id for r in questions_of(session, "abc123")] == [qid]
    assert unlink_person(session, "abc123") == 1
    assert questions_of(session, "abc123") == []
    assert count(session) == 1


def test_a_vote_counts_once(session: Session) -> None:
    qid = ask(session)
    assert qid is not None
    assert record_feedback(session, qid, "down", NOW) is True
    assert record_feedback(session, qid, "down", NOW) is False
    assert record_feedback(session, qid, "up", NOW) is False
    row = session.get(QuestionRecord, qid)
    session.refresh(row)
    assert row is not None and row.vote == "down"


def test_a_vote_for_an_unknown_question_does_not_count(session: Session) -> None:
    assert record_feedback(session, 987654, "up", NOW) is False


def test_an_invalid_vote_is_refused(session: Session) -> None:
    qid = ask(session)
    assert qid is not None
    with pytest.raises(ValueError):
        record_feedback(session, qid, "sideways", NOW)  # type: ignore[arg-type]


def test_purge_keeps_day_90_and_deletes_day_91(session: Session) -> None:
    kept = ask(session, text="ninety", now=NOW - timedelta(days=90))
    gone = ask(session, text="ninety-one", now=NOW - timedelta(days=91))
    fresh = ask(session, text="today", now=NOW)
    assert purge_questions(session, now=NOW, days=90) == 1
    ids = set(session.scalars(select(QuestionRecord.id)))
    assert ids == {kept, fresh}
    assert gone not in ids


def test_purge_deletes_a_question_one_second_past_retention(session: Session) -> None:
    ask(session, now=NOW - timedelta(days=90, seconds=1))
    assert purge_questions(session, now=NOW, days=90) == 1


def test_purge_compares_instants_not_wall_clocks(session: Session) -> None:
    stockholm = timezone(timedelta(hours=2))
    ask(session, now=(NOW - timedelta(days=90)).astimezone(stockholm))
    assert purge_questions(session, now=NOW, days=90) == 0


def test_a_resolved_clarification_names_the_article_clicked_once(session: Session) -> None:
    qid = ask(session, answered=False, article_id=None)
    assert qid is not None

    first = record_clarification_resolved(session, qid, "right-to-erasure")
    second = record_clarification_resolved(session, qid, "right-of-access")

    row = session.get(QuestionRecord, qid)
    assert row is not None
    assert (first, second) == (True, False)
    assert (row.answered, row.article_id) == (False, "right-to-erasure")


def test_an_answered_question_is_not_resolved_again(session: Session) -> None:
    qid = ask(session)
    assert qid is not None

    assert record_clarification_resolved(session, qid, "other") is False
    assert session.get(QuestionRecord, qid).article_id == "recording"  # type: ignore[union-attr]
