"""Knowledge search benchmark: `Answerer.answer` against a plain rank_bm25 baseline.

Builds a synthetic knowledge base of 10,000 articles (5,000 Swedish + 5,000 English, with
titles, alternative questions, tags and bodies), then asks 1,000 generated questions
(half per language, colloquial: a few words of one article's questions and title mixed
with filler and the odd misspelling). Prints index build time, p50/p99 latency per question
(wall clock and CPU time of the answering thread: on a shared machine the wall-clock tail
is mostly other processes) and peak RSS, each side in its own process so peaks do not mix.

The gdpr-bot figure is the full path: language detection, synonyms, compound splitting,
three field indices, confidence and answer assembly. The baseline is what one would write
first: one `rank_bm25.BM25Okapi` per language over lower-cased whitespace tokens of all
fields, scored with `get_scores` and the best article taken.

Run: `make bench` or `.venv/bin/python bench/search.py [--articles N] [--queries N]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import Answerer, Article, KnowledgeBase
from knowledge.model import Lang

SEED = 20261128
SYLLABLES = {
    "sv": [
        "ka",
        "ri",
        "ne",
        "sto",
        "la",
        "på",
        "mer",
        "ung",
        "vin",
        "dal",
        "för",
        "tid",
        "ska",
        "ring",
        "upp",
        "gift",
        "lag",
        "svar",
        "kund",
        "rätt",
    ],
    "en": [
        "ka",
        "ri",
        "ne",
        "sto",
        "la",
        "con",
        "ver",
        "ment",
        "tion",
        "pro",
        "cess",
        "data",
        "re",
        "quest",
        "ac",
        "cess",
        "ble",
        "ing",
        "ter",
    ],
}
DOMAIN = {
    "sv": [
        "registerutdrag",
        "personuppgifter",
        "samtycke",
        "radering",
        "gallring",
        "lagringstid",
        "incident",
        "personuppgiftsbiträde",
        "sanktionsavgift",
        "dataskyddsombud",
        "rättelse",
        "invändning",
        "kryptering",
        "inspelning",
        "behörighet",
        "utbildning",
        "rutin",
        "avtal",
        "kund",
        "ärende",
    ],
    "en": [
        "access",
        "personal",
        "data",
        "consent",
        "erasure",
        "retention",
        "breach",
        "processor",
        "fine",
        "officer",
        "rectification",
        "objection",
        "encryption",
        "recording",
        "permission",
        "training",
        "routine",
        "agreement",
        "customer",
        "case",
        "request",
    ],
}
FILLER = {
    "sv": [
        "hur",
        "gör",
        "jag",
        "vad",
        "gäller",
        "för",
        "kunden",
        "vill",
        "att",
        "vi",
        "ska",
        "kan",
        "man",
        "undrar",
    ],
    "en": [
        "how",
        "do",
        "i",
        "what",
        "about",
        "the",
        "customer",
        "wants",
        "we",
        "should",
        "can",
        "you",
        "tell",
        "me",
    ],
}


def _vocabulary(lang: Lang, rng: random.Random, size: int = 6000) -> list[str]:
    words = set(DOMAIN[lang])
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def build_corpus(n_articles: int) -> list[Article]:
    rng = random.Random(SEED)
    articles: list[Article] = []
    for lang in ("sv", "en"):
        vocab = _vocabulary(lang, rng)  # type: ignore[arg-type]
        for i in range(n_articles // 2):

            def phrase(n: int, vocab: list[str] = vocab) -> str:
                return " ".join(rng.choice(vocab) for _ in range(n))

            articles.append(
                Article(
                    id=f"article-{i}",
                    lang=lang,  # type: ignore[arg-type]
                    title=phrase(4).capitalize(),
                    body="\n\n".join(phrase(25) + "." for _ in range(3)),
                    owner="Dataskyddsombud" if lang == "sv" else "Data protection officer",
                    reviewed=date(2026, 10, 1),
                    questions=tuple(phrase(6) for _ in range(5)),
                    tags=tuple(rng.choice(vocab) for _ in range(8)),
                    gdpr=("15",),
                )
            )
    return articles


def build_queries(articles: list[Article], n_queries: int) -> list[tuple[Lang, str]]:
    rng = random.Random(SEED + 1)
    queries: list[tuple[Lang, str]] = []
    for _ in range(n_queries):
        article = rng.choice(articles)
        words = rng.choice(article.questions).split()[:4] + article.title.lower().split()[:1]
        if rng.random() < 0.2:  # a typo: drop one letter of one word
            j = rng.randrange(len(words))
            if len(words[j]) > 6:
                k = rng.randrange(1, len(words[j]) - 1)
                words[j] = words[j][:k] + words[j][k + 1 :]
        question = " ".join(rng.sample(FILLER[article.lang], 3) + words) + "?"
        queries.append((article.lang, question))
    return queries


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_gdpr_bot(n_articles: int, n_queries: int) -> dict[str, float]:
    articles = build_corpus(n_articles)
    queries = build_queries(articles, n_queries)
    start = time.perf_counter()
    answerer = Answerer(KnowledgeBase(tuple(articles)), "dpo@example.com")
    build = time.perf_counter() - start
    for _, question in queries[:20]:  # warm caches the way a running bot has them warm
        answerer.answer(question)
    latencies, cpu = [], []
    answered = 0
    for _, question in queries:
        c0, t0 = time.thread_time(), time.perf_counter()
        answer = answerer.answer(question)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        answered += answer.answered
    return _stats(build, latencies, cpu) | {"answered": answered / len(queries)}


def run_rank_bm25(n_articles: int, n_queries: int) -> dict[str, float]:
    from rank_bm25 import BM25Okapi

    articles = build_corpus(n_articles)
    queries = build_queries(articles, n_queries)
    start = time.perf_counter()
    indices = {}
    for lang in ("sv", "en"):
        docs = [a for a in articles if a.lang == lang]
        tokens = [" ".join((a.title, *a.questions, *a.tags, a.body)).lower().split() for a in docs]
        indices[lang] = (BM25Okapi(tokens), docs)
    build = time.perf_counter() - start
    latencies, cpu = [], []
    for lang, question in queries:
        c0, t0 = time.thread_time(), time.perf_counter()
        index, docs = indices[lang]
        scores = index.get_scores(question.lower().rstrip("?").split())
        _best = docs[int(scores.argmax())]
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    return _stats(build, latencies, cpu)


def _stats(build: float, latencies: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": _percentile(cpu, 0.99) * 1000,
        "rss_mb": _peak_rss_mb(),
    }


def _in_own_process(name: str, n_articles: int, n_queries: int) -> dict[str, float]:
    target = {"gdpr-bot": run_gdpr_bot, "rank_bm25": run_rank_bm25}[name]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, (n_articles, n_queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    ours = _in_own_process("gdpr-bot", args.articles, args.queries)
    base = _in_own_process("rank_bm25", args.articles, args.queries)
    print(f"knowledge search: {args.articles} articles (sv + en), {args.queries} questions")
    print(
        f"{'':11}{'build s':>9}{'p50 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p99':>9}"
        f"{'peak RSS MB':>13}"
    )
    for name, row in (("gdpr-bot", ours), ("rank_bm25", base)):
        print(
            f"{name:11}{row['build_s']:>9.2f}{row['p50_ms']:>9.3f}{row['p99_ms']:>9.3f}"
            f"{row['cpu_p50_ms']:>9.3f}{row['cpu_p99_ms']:>9.3f}{row['rss_mb']:>13.0f}"
        )
    print(
        f"speed-up (wall): p50 {base['p50_ms'] / ours['p50_ms']:.1f}x, "
        f"p99 {base['p99_ms'] / ours['p99_ms']:.1f}x; "
        f"(cpu): p50 {base['cpu_p50_ms'] / ours['cpu_p50_ms']:.1f}x, "
        f"p99 {base['cpu_p99_ms'] / ours['cpu_p99_ms']:.1f}x"
    )
    print("targets: gdpr-bot p99 <= 2 ms and >= 20x faster than rank_bm25")
    print(f"load average: {os.getloadavg()[0]:.1f} (wall times suffer on a busy machine)")
    print(f"gdpr-bot answered {ours['answered']:.0%} of the generated questions")


if __name__ == "__main__":
    main()
