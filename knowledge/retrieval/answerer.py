"""Questions in, answers out: language, two retrieval signals, a learned confidence, and
one of three outcomes (answer, clarify, refuse).

1. The question is cleaned (valid UTF-8, at most `MAX_QUESTION_CHARS`); no words, or only a
   greeting or thanks, is answered without searching.
2. Candidates are the lexical top `CANDIDATES` and the semantic top `CANDIDATES` of the
   asker's language pool (its articles plus the ones only the other language has), the
   semantic ones both by the pool's own texts and by both languages' (`semantic.py`).
3. Each candidate gets the features of `features.py`; the fitted `ConfidenceModel` turns
   them into the probability that it is the article asked for. Best first.
4. The probabilities decide (`Thresholds`, fitted with the model): the best at or above
   `answer_at`: answer; else the top candidates together at or above `clarify_at`: offer
   them ("did you mean"); else refuse and refer to the data protection officer.

Without an encoder (`GDPRBOT_EMBEDDINGS=off`), or while the encoder fails, the lexical
model (fitted on the same data without the semantic features) decides instead.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from knowledge.analysis.language import Profile, guess_language
from knowledge.analysis.smalltalk import small_talk, small_talk_language
from knowledge.analysis.synonyms import Synonyms, load_synonyms
from knowledge.analysis.tokens import has_words
from knowledge.base import KnowledgeBase
from knowledge.loader import LANGS
from knowledge.model import Answer, Article, Lang, Reason, Suggestion
from knowledge.placeholders import render
from knowledge.retrieval.decision import MAX_OPTIONS, offered, shown
from knowledge.retrieval.encoder import Encoder, EncoderError
from knowledge.retrieval.features import feature_rows
from knowledge.retrieval.lexical import LanguageIndex
from knowledge.retrieval.replies import NOTICE, TEXTS, article_ref
from knowledge.retrieval.scoring import (
    ConfidenceModel,
    ConfidenceModels,
    Thresholds,
    load_models,
)
from knowledge.retrieval.semantic import PoolView, Reading, SemanticIndex
from knowledge.retrieval.vectors import VectorStore
from knowledge.sections import split_body

log = logging.getLogger(__name__)

# A question is a few sentences; a pasted document is cut here (the question log and the
# chat layer cut at the same length).
MAX_QUESTION_CHARS = 2000
# Candidates taken from each signal: the right article is in the lexical or semantic top 10
# for every on-topic calibration question that has it anywhere (docs/performance.md).
CANDIDATES = 10
# After the encoder fails (an endpoint down), questions use the lexical model for this
# long before the encoder is tried again, so no question waits for a timeout each time.
ENCODER_RETRY_SECONDS = 60.0
_OTHER: dict[Lang, Lang] = {"sv": "en", "en": "sv"}


@dataclass(frozen=True)
class Scored:
    """One candidate article for a question, with its features and probability."""

    article: Article
    probability: float
    features: tuple[float, ...]


@dataclass
class _Pool:
    """One language's searchable articles (its own plus those only the other has)."""

    articles: list[Article]
    index: LanguageIndex
    view: PoolView | None = None  # how it reads the semantic index, once that is built


class Answerer:
    """Builds the indices once; `answer` is then cheap enough to call per message."""

    def __init__(
        self,
        kb: KnowledgeBase,
        dpo_contact: str,
        *,
        default_lang: Lang = "sv",
        thresholds: Thresholds | None = None,
        encoder: Encoder | None = None,
        vector_cache: Path | None = None,
        index_cache: Path | None = None,
        confidence: ConfidenceModels | None = None,
        synonyms: Synonyms | None = None,
        placeholders: Mapping[str, str] | None = None,
    ) -> None:
        self.kb = kb
        self.dpo_contact = dpo_contact
        self.default_lang = default_lang
        self.encoder = encoder
        self.models = confidence or load_models()
        self._thresholds = thresholds
        self.placeholders = {"dpo_contact": dpo_contact, **(placeholders or {})}
        synonyms = synonyms or load_synonyms()
        self._pools: dict[Lang, _Pool] = {}
        for lang in LANGS:
            own = kb.in_language(lang)
            own_ids = {a.id for a in own}
            other = [a for a in kb.in_language(_OTHER[lang]) if a.id not in own_ids]
            articles = own + other
            index = LanguageIndex(lang, articles, synonyms, cache_dir=index_cache)
            self._pools[lang] = _Pool(articles, index)
        self._vectors = VectorStore(encoder, vector_cache) if encoder is not None else None
        # An encoder the confidence model was never fitted for has its own similarity scale
        # (another model's cosines can sit anywhere in 0..1): its features would be read
        # with the wrong weights. Answer on the lexical signal until `kb calibrate` is run.
        self.calibrated = encoder is None or self.models.for_encoder(encoder.model_id)[1]
        if not self.calibrated and encoder is not None:
            log.warning(
                "no confidence model fitted for the encoder %s: answering on the lexical "
                "signal; run `gdpr-bot kb calibrate FILE` with this encoder",
                encoder.model_id,
            )
        self._semantic: SemanticIndex | None = None
        self._semantic_lock = threading.Lock()
        self._encoder_failed_at: float | None = None
        # The index is many long-lived objects; without this every full garbage collection
        # walks them all (a pause of several ms mid-question). A caller that switched the
        # collector off to start freezes all itself (bot/cli/startup.py; this costs ~0.1 s).
        if gc.isenabled():
            gc.collect()
            gc.freeze()

    # --- models -------------------------------------------------------------------------
    def model(self, semantic: bool) -> ConfidenceModel:
        model_id = self.encoder.model_id if (semantic and self.encoder) else None
        model, _exact = self.models.for_encoder(model_id)
        return model

    def thresholds(self, semantic: bool) -> Thresholds:
        return self._thresholds or self.model(semantic).thresholds

    def warm_up(self) -> None:
        """Fill the lexical caches and the language profile without loading the encoder, so
        the first question does not pay for lazy set-up and an idle bot stays small."""
        for lang in LANGS:
            self.ranked("personuppgifter personal data", lang, semantic=False)
        _ = self.profile

    # --- semantic signal ------------------------------------------------------------------
    def prepare(self) -> bool:
        """Load the encoder and every article's vectors now (else: at the first question).
        True when the vectors are there."""
        return all(self._semantic_pool(lang, force=True) is not None for lang in LANGS)

    def text_vectors(self) -> np.ndarray:
        """Every embedded text of the base, both languages; loads them like `prepare`."""
        if not self.prepare() or self._semantic is None:
            raise EncoderError("the encoder is not available: no article vectors")
        return self._semantic.units

    def _semantic_pool(self, lang: Lang, force: bool = False) -> _Pool | None:
        """The pool with its view of the vectors, or None without a (calibrated, working)
        encoder; `force` skips the calibration check (calibration itself needs vectors)."""
        if self._vectors is None or not (self.calibrated or force):
            return None
        if self._encoder_failed_at is not None:
            if time.monotonic() - self._encoder_failed_at < ENCODER_RETRY_SECONDS:
                return None
            self._encoder_failed_at = None
        pool = self._pools[lang]
        if pool.view is not None:
            return pool
        with self._semantic_lock:
            if self._semantic is None:
                try:
                    self._semantic = SemanticIndex(list(self.kb), self._vectors)
                except EncoderError as exc:
                    self._encoder_failed(exc)
                    return None
            if pool.view is None:
                pool.view = self._semantic.view(pool.articles)
        return pool

    def _encoder_failed(self, exc: Exception) -> None:
        log.warning("embeddings unavailable, answering on the lexical signal: %s", exc)
        self._encoder_failed_at = time.monotonic()

    def _semantic_reading(self, question: str, pool: _Pool) -> Reading | None:
        """Per pool article, the similarities of `SemanticIndex.read`."""
        assert self.encoder is not None and self._semantic is not None and pool.view is not None
        try:
            query = self.encoder.encode([question], "query")[0]
        except EncoderError as exc:
            self._encoder_failed(exc)
            return None
        return self._semantic.read(query, pool.view)

    # --- ranking ------------------------------------------------------------------------
    def ranked(
        self,
        question: str,
        lang: Lang,
        *,
        semantic: bool = True,
        model: ConfidenceModel | None = None,
    ) -> tuple[list[Scored], bool]:
        """Candidates best first, and whether the semantic signal took part.

        `semantic=False` ranks on the lexical signal alone; `model` replaces the fitted
        model (calibration reads the features through here, so they are the same)."""
        scored, used, _ = self._ranked(question, lang, semantic=semantic, model=model)
        return scored, used

    def _ranked(
        self,
        question: str,
        lang: Lang,
        *,
        semantic: bool = True,
        model: ConfidenceModel | None = None,
    ) -> tuple[list[Scored], bool, float]:
        """`ranked`, and the offer's strength (`ConfidenceModel.offer_strength`)."""
        pool = self._pools[lang]
        if not pool.articles:
            return [], False, 0.0
        lexical = pool.index.search(question)
        semantic_pool = self._semantic_pool(lang, force=model is not None) if semantic else None
        reading = self._semantic_reading(question, pool) if semantic_pool is not None else None
        candidates = lexical.top(CANDIDATES)
        model = model or self.model(reading is not None)
        scores = None
        domain: float | None = None
        neighbour: list[float] | None = None
        if reading is not None:
            for asked, answer in (("asked", "answer"), ("x_asked", "x_answer")):
                best = np.maximum(reading.scores[asked], reading.scores[answer])
                k = min(CANDIDATES, len(best))
                top = np.argpartition(-best, k - 1)[:k] if k < len(best) else range(k)
                candidates = list(dict.fromkeys([*candidates, *(int(i) for i in top)]))
            scores = reading.complete(candidates)  # features read the candidates only
            domain = model.domain_value(reading.query, float(reading.sims.max()))
            neighbour = model.neighbour_values(reading, [pool.articles[i].id for i in candidates])
        if not candidates:
            return [], scores is not None, 0.0
        rows = feature_rows(
            candidates,
            lexical=lexical.scores,
            coverage=pool.index.coverages(lexical, candidates),
            head_coverage=pool.index.coverages(lexical, candidates, head=True),
            unknown=lexical.unknown_share,
            length=len(lexical.slots),
            semantic=scores,
            names=model.features,
            phrase_fit=(
                pool.index.phrasing_fit(lexical, candidates)
                if "phrase_fit" in model.features
                else None
            ),
            domain=domain,
            neighbour=neighbour,
        )
        probabilities = model.probabilities(rows)
        scored = [
            Scored(pool.articles[i], p, tuple(row))
            for i, p, row in zip(candidates, probabilities.tolist(), rows.tolist(), strict=True)
        ]
        scored.sort(key=lambda s: s.probability, reverse=True)
        strength = model.offer_strength(
            offered([s.probability for s in scored]),
            reading.query if reading is not None else None,
            domain,
        )
        return scored, scores is not None, strength

    def search(self, question: str, lang: Lang) -> list[Article]:
        """The ranked candidate articles alone (for tools and tests)."""
        return [s.article for s in self.ranked(question, lang)[0]]

    @cached_property
    def profile(self) -> Profile:
        """The articles' language profile (~0.1 s): by `warm_up`, else when needed."""
        return Profile.of_articles(self.kb)

    def guess_language(self, question: str) -> Lang | None:
        """The language when small talk's words, function words or the profile tell, else None."""
        if small_talk(question) is not None:
            return small_talk_language(question)  # None for "ok": both languages say it
        return guess_language(question, self.profile)

    def language(self, question: str) -> Lang:
        return self.guess_language(question) or self.default_lang

    # --- answers --------------------------------------------------------------------------
    def answer(
        self, question: str, lang: Lang | None = None, *, values: Mapping[str, str] | None = None
    ) -> Answer:
        """The answer, a clarification or an honest refusal. `values` fill placeholders
        for this question (e.g. the client's controller), over the configured ones."""
        question = question[:MAX_QUESTION_CHARS].encode("utf-8", "replace").decode("utf-8")
        chat = small_talk(question)
        lang = lang or self.language(question)
        if not has_words(question):
            return self._refusal(lang, "empty")
        if chat is not None:
            return self._refusal(lang, chat)
        scored, semantic, strength = self._ranked(question, lang)
        limits = self.thresholds(semantic)
        best = scored[0] if scored else None
        if best is not None and best.probability >= limits.answer_at:
            return self._answered(best.article, lang, best.probability, values)
        options = scored[: shown([s.probability for s in scored[:MAX_OPTIONS]])]
        if options and strength >= limits.clarify_at:
            return self._clarify(options, lang, values)
        return self._refusal(lang, "no_match", best.probability if best else 0.0)

    def answer_with(
        self, article_id: str, lang: Lang, *, values: Mapping[str, str] | None = None
    ) -> Answer | None:
        """The answer from one chosen article (a clicked "did you mean" button), or None."""
        article = self.kb.get(article_id, lang) or self.kb.get(article_id, _OTHER[lang])
        if article is None:
            return None
        return self._answered(article, lang, 1.0, values)

    def article(
        self, article_id: str, lang: Lang, values: Mapping[str, str] | None = None
    ) -> Article | None:
        """One article with placeholders filled in, or None."""
        found = self.kb.get(article_id, lang)
        if found is None:
            return None
        return replace(
            found,
            title=self._fill(found.title, lang, values),
            body=self._fill(found.body, lang, values),
        )

    def _fill(self, text: str, lang: Lang, values: Mapping[str, str] | None) -> str:
        return render(text, lang, {**self.placeholders, **(values or {})})

    def _answered(
        self, article: Article, lang: Lang, probability: float, values: Mapping[str, str] | None
    ) -> Answer:
        short, details = split_body(self._fill(article.body, lang, values))
        return Answer(
            answered=True,
            lang=lang,
            text=short,
            article=article_ref(article, self._fill(article.title, lang, values)),
            score=round(probability, 4),
            notice=NOTICE[lang] if article.lang != lang else None,
            details=details,
            outcome="answer",
            needs_client=article.needs_client,
        )

    def _clarify(
        self, scored: list[Scored], lang: Lang, values: Mapping[str, str] | None
    ) -> Answer:
        best = scored[0].probability
        options: list[Suggestion] = []
        for candidate in scored:
            local = self.kb.get(candidate.article.id, lang) or candidate.article
            short, _ = split_body(self._fill(local.body, lang, values))
            options.append(
                Suggestion(
                    local.id,
                    self._fill(local.title, lang, values),
                    round(candidate.probability, 4),
                    short,
                )
            )
        return Answer(
            answered=False,
            lang=lang,
            text=TEXTS["clarify"][lang],
            article=None,
            score=round(best, 4),
            suggestions=tuple(options),
            outcome="clarify",
        )

    def _refusal(self, lang: Lang, reason: Reason, probability: float = 0.0) -> Answer:
        return Answer(
            answered=False,
            lang=lang,
            text=TEXTS[reason][lang].format(dpo=self.dpo_contact),
            article=None,
            score=round(probability, 4),
            outcome="refuse",
            reason=reason,
        )
