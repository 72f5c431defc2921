"""The labelled-question neighbour vote (`neighbour`, round 12): the candidate's share of
the question's nearest titles, phrasings and labelled on-topic questions; its voters are
shipped beside the offer model's positives (vectors and article ids, no text) and in
calibration it is stacked like `domain`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, KnowledgeBase, load_knowledge_base
from knowledge.evaluate import EvalCase
from knowledge.retrieval.calibrate import _stacked, collect
from knowledge.retrieval.domain import DOMAIN_FEATURE, DomainData, DomainModel, negatives_path
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE, NeighbourData, pairs, vote
from knowledge.retrieval.scoring import (
    ConfidenceModel,
    ConfidenceModels,
    load_models,
    save_models,
)
from tests.knowledge.conftest import DPO, CountingEncoder

BOTH = (DOMAIN_FEATURE, NEIGHBOUR_FEATURE)


def test_a_candidate_gets_its_share_of_the_ten_nearest_texts_and_labelled_questions() -> None:
    near = np.linspace(0.9, 0.5, 10)  # ten phrasings: five of "a", five of "b"
    labelled = np.array([0.95, 0.94, 0.1])  # two close questions of "c", one far one of "a"
    values = vote(near, ["a"] * 5 + ["b"] * 5, labelled, ["c", "c", "a"], ["a", "b", "c"])
    assert np.allclose(values, [0.5, 0.3, 0.2])  # the two questions push out two of "b"


def test_a_question_labelled_with_two_articles_votes_for_both() -> None:
    rows, ids = pairs([("a", "b"), (), ("c",)])
    assert rows.tolist() == [0, 0, 2] and ids == ("a", "b", "c")


def test_the_voters_are_kept_as_vectors_and_article_ids_only(tmp_path: Path) -> None:
    domain = DomainModel(np.eye(4)[:1], positives=np.eye(4)[1:], labels=(("a",), ("a", "b"), ()))
    model = ConfidenceModel(BOTH, (0.0, 0.0), (1.0, 1.0), (1.0, 1.0), 0.0, domain=domain)
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    with np.load(negatives_path(path), allow_pickle=False) as data:
        kinds = {name: data[name].dtype.kind for name in data.files}
        ids = data[f"{domain.key}_labels"].tolist()
    assert sorted(kinds.values()) == ["U", "f", "f", "i"] and ids == ["a", "a", "b"]
    again = load_models(path).hybrid["enc"].domain
    assert again == domain and again is not None and again.labels == domain.labels


def test_a_confidence_file_whose_labels_are_missing_does_not_load(tmp_path: Path) -> None:
    domain = DomainModel(np.eye(2), positives=np.eye(2), labels=(("a",), ("b",)))
    model = ConfidenceModel(BOTH, (0.0, 0.0), (1.0, 1.0), (1.0, 1.0), 0.0, domain=domain)
    path = tmp_path / "confidence.json"
    save_models(ConfidenceModels(model, {"enc": model}), path)
    with np.load(negatives_path(path)) as data:
        kept = {k: data[k] for k in data.files if not k.endswith("_labels")}
    with negatives_path(path).open("wb") as handle:
        np.savez_compressed(handle, **kept)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels"):
        load_models(path)


def test_the_answerer_reads_the_vote_the_final_fit_was_given(
    fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """A question that is no voter of the shipped model gets, at answer time, the value
    calibration gave it from the same voters (the other folds' labelled questions)."""
    encoder = CountingEncoder()
    plain = Answerer(fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path)
    cases = [
        EvalCase("1", "en", "how large can a fine get", articles=("fines",)),
        EvalCase(
            "2", "en", "a stolen laptop with customer data", articles=("personal-data-breach",)
        ),
        EvalCase(
            "3", "en", "may i see what you store about me", articles=("right-of-access", "fines")
        ),
        EvalCase("4", "en", "when is payday", expect_fallback=True),
        EvalCase("5", "en", "what happens if we lose customer data"),
    ]
    features = ("xsem", *BOTH)
    questions = collect(plain, cases, True, features)
    stacked = _stacked(plain, questions, features)
    domain, neighbour = stacked[DOMAIN_FEATURE], stacked[NEIGHBOUR_FEATURE]
    assert isinstance(domain, DomainData) and isinstance(neighbour, NeighbourData)
    voters = [0, 1, 2, 3]
    calibrated = np.ravel(neighbour(voters, [4])[0])
    width = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (0.0, 0.0, 1.0)
    model = ConfidenceModel(features, *width, 0.0, domain=domain.shipped(voters))
    shipped = ConfidenceModels(load_models().lexical, {encoder.model_id: model})
    answerer = Answerer(fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path, confidence=shipped)
    scored, _ = answerer.ranked(cases[4].q, "en")
    at_answer = {s.article.id: s.features[2] for s in scored}
    assert at_answer == pytest.approx(dict(zip(questions[4].ids, calibrated, strict=True)))
    assert max(at_answer.values()) > 0


def test_the_shipped_hybrid_model_reads_the_vote_of_its_labelled_questions() -> None:
    articles = {a.id for a in load_knowledge_base()}
    for model in load_models().hybrid.values():
        assert NEIGHBOUR_FEATURE in model.features
        assert model.domain is not None and model.domain.labels is not None
        assert model.domain.positives is not None
        assert len(model.domain.labels) == len(model.domain.positives)
        assert {a for row in model.domain.labels for a in row} <= articles
