"""The shipped knowledge base: valid, one question per article, phrased as people ask,
rights-request articles that refer to the controller, and answers good enough on the
development sets with the real embedding model."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import SHIPPED_DIR, Answerer, KnowledgeBase, check_knowledge
from knowledge.evaluate import EvalReport, evaluate, read_cases
from knowledge.sections import direct_answer
from tests.knowledge.conftest import CALIBRATION

# One worker runs the module: the evaluation fixtures below (the calibration questions
# through the real model, ~15 s) are then built once, not once per worker.
pytestmark = pytest.mark.xdist_group("shipped")

NEW_TOPICS = (
    "camera-surveillance",
    "employee-data",
    "recruitment",
    "ai-training-customer-data",
    "police-and-authorities",
    "request-about-someone-else",
    "cookies",
    "b2b-marketing",
    "anonymisation",
    "client-audits",
    "public-sector-secrecy",
    "processor-obligations",
    "ai-chatbot-disclosure",
    "identity-fraud",
    "employee-monitoring",
    "hr-records",
    "private-devices",
    "access-logging",
    "backups",
    "test-data",
    "photos-and-video",
    "employee-data-disclosure",
    "staff-messaging-apps",
    "logs-personal-data",
    "soft-delete",
    "hashing-and-encryption",
    "supplier-support",
    "dpa-signing",
    "suppliers-without-dpa",
    "assignment-end",
    "candidate-sourcing",
)


def test_shipped_content_passes_kb_check() -> None:
    assert [str(p) for p in check_knowledge([SHIPPED_DIR])] == []


def test_every_article_exists_in_both_languages(shipped_kb: KnowledgeBase) -> None:
    swedish = {a.id for a in shipped_kb.in_language("sv")}
    english = {a.id for a in shipped_kb.in_language("en")}
    assert swedish == english and len(swedish) >= 60


def test_every_article_has_10_to_15_phrasings(shipped_kb: KnowledgeBase) -> None:
    wrong = [
        (a.lang, a.id, len(a.questions)) for a in shipped_kb if not 10 <= len(a.questions) <= 15
    ]
    assert wrong == []


def test_the_topics_people_asked_for_have_articles(shipped_kb: KnowledgeBase) -> None:
    for article_id in NEW_TOPICS:
        assert shipped_kb.get(article_id, "sv") and shipped_kb.get(article_id, "en")


def test_merged_articles_still_answer_for_their_old_ids(shipped_kb: KnowledgeBase) -> None:
    assert shipped_kb.resolve("breach-report-internally") == "personal-data-breach"
    assert shipped_kb.resolve("storage-limitation") == "retention-and-gallring"


def test_rights_request_articles_say_whom_to_refer_the_caller_to(
    shipped_kb: KnowledgeBase,
) -> None:
    marked = [a for a in shipped_kb if a.needs_client]
    assert len({a.id for a in marked}) >= 10
    referral = ("{{client.controller}}", "personuppgiftsansvarig", "controller")
    silent = [
        (a.lang, a.id) for a in marked if not any(w in direct_answer(a.body) for w in referral)
    ]
    assert silent == []


@pytest.fixture(scope="module")
def calibration_report(shipped_answerer: Answerer) -> EvalReport:
    return evaluate(shipped_answerer, read_cases(CALIBRATION))


@pytest.fixture(scope="module")
def dev_report(shipped_answerer: Answerer, shared_dir: Path) -> EvalReport:
    return evaluate(shipped_answerer, read_cases(shared_dir / "eval" / "dev.jsonl"))


def test_calibration_questions_are_rarely_answered_wrong(calibration_report: EvalReport) -> None:
    """Regression guard (fitted on this file; docs/performance.md has the honest figures)."""
    overall = calibration_report.as_json()["overall"]
    assert overall["answered_wrong_rate"] <= 0.05
    assert overall["right_in_answer_or_clarify_rate"] >= 0.85
    assert overall["off_topic_refused_rate"] >= 0.85


def test_the_development_set_is_mostly_answered(dev_report: EvalReport) -> None:
    assert dev_report.answerable_accuracy >= 0.75, dev_report.failures
    assert dev_report.fallback_accuracy == 1.0


def test_answered_means_outcome_answer_and_score_is_a_probability(
    calibration_report: EvalReport,
) -> None:
    for result in calibration_report.results:
        answer = result.answer
        assert answer.answered == (answer.outcome == "answer")
        assert 0.0 <= answer.score <= 1.0
        assert (answer.outcome == "clarify") == bool(answer.suggestions)
