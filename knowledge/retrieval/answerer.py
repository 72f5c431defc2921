"""Questions in, answers out: language, retrieval, confidence, and the answer text.

Calibration (see docs/performance.md, "Knowledge search"): a question is answered when the
best article covers at least `MIN_COVERAGE` of the question's weighted meaningful words and
its most telling matched word weighs at least `MIN_ANCHOR`. Both are folded into one
confidence, 0..1, that is `Answer.score` (each signal scaled so its threshold is 0.5; the
weaker one counts), so the bot answers exactly when the score is at least `ANSWER_AT`.
The two thresholds were chosen by a grid search on tests/knowledge/data/calibration.jsonl
(on-topic colloquial questions in sv and en, and off-topic workplace questions), taking the
point in the widest plateau of full off-topic refusal that keeps the most on-topic answers,
not the single best point.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, replace

from knowledge.base import KnowledgeBase
from knowledge.language import guess_language
from knowledge.loader import LANGS
from knowledge.model import Answer, Article, ArticleRef, Lang, Suggestion
from knowledge.search import Hit, LanguageIndex, SlotMatch

MIN_COVERAGE = 0.6
MIN_ANCHOR = 1.0  # Zipf difference: the word is ten times commoner here than in everyday text
UNKNOWN_WEIGHT = 2.0  # a word the corpus never uses weighs as much as its rarest word
FUNCTION_LIKE = 5.5  # Zipf of the commonest words ("gick", "went"); unknown ones say little
UNKNOWN_FUNCTION_LIKE_WEIGHT = 0.1
EVERYDAY_WORD = 4.0  # Zipf frequency of a plainly everyday word (about 1 in 100,000 words)
FULL_KEYNESS = 4.0  # keyness at which a word counts fully (Zipf difference)
GENERIC_FLOOR = 0.2  # share of its weight that an everyday word keeps
STRONG_ANCHOR = 3.0  # anchor keyness that makes a question plainly about the article's subject
ANCHORED_UNKNOWN = 0.25  # share of its weight an unknown word keeps in such a question
MIN_ANCHOR_IDF = 0.1  # a word in nearly every article ("kund") cannot anchor a match
MAX_QUESTION_CHARS = 2000  # a question is a few sentences; a pasted document is cut here
RERANK_DEPTH = 8  # BM25 candidates re-ranked by coverage
RANK_MARGIN = 0.7  # an accepted article overtakes only candidates < 1/0.7 times as strong
RERANK_FLOOR = 0.25  # how much BM25 alone counts against coverage in the re-ranking
ANSWER_AT = 0.5  # confidence at which the bot answers: both signals exactly at threshold
SURE_ANCHOR = 3.0  # anchor keyness at which that signal is certain (≈ "registerutdrag")
MIN_SUGGESTION = 0.2  # weaker matches are still worth offering as "did you mean"
_PLACEHOLDER = re.compile(r"\{\{\s*dpo_contact\s*\}\}")
_STEPS_HEADINGS = ("så gör du", "what you do")

NOTICE = {
    "sv": "Artikeln finns bara på engelska.",
    "en": "This article is only available in Swedish.",
}
FALLBACK = {
    "sv": "Det kan jag tyvärr inte svara säkert på. Fråga dataskyddsombudet: {dpo}.",
    "en": "Sorry, I don't know the answer to that. Please ask the data protection officer: {dpo}.",
}


@dataclass(frozen=True)
class Thresholds:
    """When a hit is good enough to answer with (see the module docstring)."""

    min_coverage: float = MIN_COVERAGE
    min_anchor: float = MIN_ANCHOR
    unknown_weight: float = UNKNOWN_WEIGHT
    full_keyness: float = FULL_KEYNESS
    generic_floor: float = GENERIC_FLOOR
    strong_anchor: float = STRONG_ANCHOR
    anchored_unknown: float = ANCHORED_UNKNOWN

    def _weight(self, slot: SlotMatch) -> float:
        if not slot.known:
            # "lunch", "parkera": an everyday word the articles never use is strong evidence
            # of another topic; a rare one is more likely a typo or jargon we lack
            if slot.everyday >= FUNCTION_LIKE:
                return UNKNOWN_FUNCTION_LIKE_WEIGHT  # "gick", "went": all but a stop word
            return self.unknown_weight * min(1.0, max(0.25, slot.everyday / EVERYDAY_WORD))
        # everyday words ("tomorrow", "vända") matter less than domain words, matched or not
        return slot.weight * min(1.0, max(self.generic_floor, slot.keyness / self.full_keyness))

    def weights(self, hit: Hit) -> list[float]:
        """Each question word's weight; the same for every hit of one question."""
        return [self._weight(s) for s in hit.slots]

    def coverage(self, hit: Hit, weights: list[float] | None = None) -> float:
        """Weighted share of the question's meaningful words that the article has, 0..1.

        When the article names one of the question's strongly domain-specific words
        ("kunduppgifter", "consent") in its head, the question is plainly about this
        subject, and a word the corpus lacks ("offert", "withdrew") is more likely the
        situation than another topic: it then weighs `anchored_unknown` of its usual,
        provided the article matches more of the question's words than the corpus lacks."""
        weights = weights if weights is not None else self.weights(hit)
        unknown = sum(1 for s in hit.slots if not s.known)
        matched = sum(1 for s in hit.slots if s.known and s.in_doc)
        # ... and only when the article matches more of the question than the corpus lacks:
        # "registerutdrag och kaffemaskinen" is half about something else
        if unknown and matched > unknown and self.anchor(hit) >= self.strong_anchor:
            weights = [
                w if s.known else w * self.anchored_unknown
                for w, s in zip(weights, hit.slots, strict=True)
            ]
        total = sum(weights)
        if total <= 0:
            return 0.0
        return sum(w for w, s in zip(weights, hit.slots, strict=True) if s.in_doc) / total

    @staticmethod
    def anchor(hit: Hit) -> float:
        """Weight of the most telling word the article names in its title, tags or questions."""
        strongest = max(
            (s.keyness for s in hit.slots if s.in_head and s.weight >= MIN_ANCHOR_IDF),
            default=0.0,
        )
        # "what is personal data": words in every article cannot single one out, unless
        # the question is nothing but an article's title words
        if hit.slots and all(s.in_title for s in hit.slots):
            strongest = max(strongest, min(s.keyness for s in hit.slots))
        return strongest

    def confidence(self, hit: Hit, coverage: float | None = None) -> float:
        """0..1, >= ANSWER_AT exactly when both coverage and anchor reach their thresholds.

        Each signal maps piecewise-linearly: 0 -> 0, its threshold -> 0.5, its "sure" value
        (coverage 1.0, anchor SURE_ANCHOR) -> 1.0; the confidence is the weaker of the two,
        rounded so that the reported score and the decision never disagree."""
        coverage = coverage if coverage is not None else self.coverage(hit)
        weaker = min(
            _scale(coverage, self.min_coverage, 1.0),
            _scale(self.anchor(hit), self.min_anchor, SURE_ANCHOR),
        )
        return round(weaker, 4)

    def accepts(self, hit: Hit, coverage: float | None = None) -> bool:
        return self.confidence(hit, coverage) >= ANSWER_AT


@dataclass(frozen=True)
class Ranked:
    hit: Hit
    coverage: float
    confidence: float

    @property
    def accepted(self) -> bool:
        return self.confidence >= ANSWER_AT


def split_body(body: str) -> tuple[str, str]:
    """(short answer: first paragraph plus the steps section, details: everything else)."""
    blocks = re.split(r"\n(?=## )", body.strip())
    intro = blocks[0].strip()
    first, _, rest_of_intro = intro.partition("\n\n")
    short = [first.strip()]
    details = [rest_of_intro.strip()] if rest_of_intro.strip() else []
    for block in blocks[1:]:
        heading = block.splitlines()[0].lstrip("#").strip()
        if heading.lower().startswith(_STEPS_HEADINGS):
            short.append(block.strip())
        else:
            details.append(block.strip())
    return "\n\n".join(short), "\n\n".join(details)


class Answerer:
    """Builds the indices once; `answer` is then cheap enough to call per message."""

    def __init__(
        self,
        kb: KnowledgeBase,
        dpo_contact: str,
        *,
        default_lang: Lang = "sv",
        thresholds: Thresholds | None = None,
    ) -> None:
        self.kb = kb
        self.dpo_contact = dpo_contact
        self.default_lang = default_lang
        self.thresholds = thresholds or Thresholds()
        self._indices = {lang: LanguageIndex(lang, kb.in_language(lang)) for lang in LANGS}
        # The index is hundreds of thousands of long-lived objects; without this every full
        # garbage collection walks them all, a pause of several ms in the middle of a question.
        gc.collect()
        gc.freeze()
        ids = {lang: {a.id for a in kb.in_language(lang)} for lang in LANGS}
        self._only_other = {
            lang: ids[_other(lang)] - ids[lang] for lang in LANGS
        }  # articles the asker's language lacks

    def _fill(self, text: str) -> str:
        return _PLACEHOLDER.sub(self.dpo_contact, text)

    def article(self, article_id: str, lang: Lang) -> Article | None:
        """One article with placeholders filled in, or None."""
        found = self.kb.get(article_id, lang)
        if found is None:
            return None
        return replace(found, title=self._fill(found.title), body=self._fill(found.body))

    def ranked(self, question: str, lang: Lang) -> list[Ranked]:
        """Candidates in the asker's language (plus articles only the other language has),
        best first, each with its confidence worked out once."""
        hits = self._indices[lang].search(question, k=RERANK_DEPTH)
        missing = self._only_other[lang]
        if missing:
            other = self._indices[_other(lang)].search(question, k=RERANK_DEPTH)
            hits.extend(h for h in other if h.article.id in missing)
        t = self.thresholds
        ranked = []
        weights: dict[str, list[float]] = {}  # per index: each analyses the question its way
        for hit in hits:
            if hit.article.lang not in weights:
                weights[hit.article.lang] = t.weights(hit)
            coverage = t.coverage(hit, weights[hit.article.lang])
            ranked.append(Ranked(hit, coverage, t.confidence(hit, coverage)))

        # BM25 ranks by term statistics; an article that covers *all* of the question's
        # meaningful words should beat one that scores high on a few of them.
        def strength(r: Ranked) -> float:
            return r.hit.score * (RERANK_FLOOR + r.coverage)

        best = max((strength(r) for r in ranked), default=0.0)
        # an acceptable article goes first, but only if it is not far weaker than the best:
        # covering one more everyday word ("support") must not beat a much better match
        ranked.sort(
            key=lambda r: (r.accepted and strength(r) >= RANK_MARGIN * best, strength(r)),
            reverse=True,
        )
        return ranked

    def search(self, question: str, lang: Lang) -> list[Hit]:
        """The ranked hits alone (for tools and tests)."""
        return [r.hit for r in self.ranked(question, lang)]

    def language(self, question: str) -> Lang:
        """The question's language: function words first, then which vocabulary knows it."""
        guess = guess_language(question)
        if guess is not None:
            return guess
        known = {lang: self._indices[lang].recognised(question) for lang in LANGS}
        if known["sv"] != known["en"]:
            return "sv" if known["sv"] > known["en"] else "en"
        return self.default_lang

    def answer(self, question: str, lang: Lang | None = None) -> Answer:
        question = question[:MAX_QUESTION_CHARS]
        lang = lang or self.language(question)
        ranked = self.ranked(question, lang)
        if ranked and ranked[0].accepted:
            return self._answered(ranked[0], lang)
        return self._fallback(ranked, lang)

    def _answered(self, best: Ranked, lang: Lang) -> Answer:
        article = best.hit.article
        short, details = split_body(self._fill(article.body))
        return Answer(
            answered=True,
            lang=lang,
            text=short,
            article=_ref(article),
            score=best.confidence,
            notice=NOTICE[lang] if article.lang != lang else None,
            details=details,
        )

    def _fallback(self, ranked: list[Ranked], lang: Lang) -> Answer:
        suggestions: list[Suggestion] = []
        for candidate in ranked:
            if candidate.coverage < MIN_SUGGESTION or len(suggestions) == 3:
                continue
            found = candidate.hit.article
            local = self.kb.get(found.id, lang) or found
            if all(s.id != local.id for s in suggestions):
                suggestions.append(Suggestion(local.id, local.title))
        return Answer(
            answered=False,
            lang=lang,
            text=FALLBACK[lang].format(dpo=self.dpo_contact),
            article=None,
            score=ranked[0].confidence if ranked else 0.0,
            suggestions=tuple(suggestions),
        )


def _scale(value: float, threshold: float, sure: float) -> float:
    """threshold -> ANSWER_AT, sure -> 1.0, linear in between and below; clamped to 0..1."""
    if value < threshold:
        return max(0.0, ANSWER_AT * value / threshold) if threshold > 0 else ANSWER_AT
    if sure <= threshold:
        return 1.0
    return min(1.0, ANSWER_AT + (1 - ANSWER_AT) * (value - threshold) / (sure - threshold))


def _other(lang: Lang) -> Lang:
    return "en" if lang == "sv" else "sv"


def _ref(article: Article) -> ArticleRef:
    return ArticleRef(
        id=article.id,
        title=article.title,
        owner=article.owner,
        reviewed=article.reviewed.isoformat(),
        gdpr=article.gdpr,
        lang=article.lang,
    )
