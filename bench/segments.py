"""Round 11: segment-level similarity for long situational messages, by repeated nested,
stacked cross-validation on the calibration questions (docs/performance.md, "Round 11").

Strangers write "I'm on a call with a customer who is angry because ..., what do I do?":
one e5 vector of the whole message may be dominated by the situation rather than the ask.
The message is cut into segments (`segment`: sentences at . ! ? ; : and newlines; a sentence
longer than `MAX_WORDS` words at commas, then into windows of `MAX_WORDS` words; pieces
under `MIN_WORDS` words join a neighbour; no word lists, any language), the segments are
embedded in one batched encoder call ("query: "), and each candidate gets:

- `seg_sem`: the largest, over segments, of its nearest-text cosine (both languages'
  titles, phrasings and direct answers, as `xsem`); `seg_gap`: minus the best other
  candidate's; a one-segment message gets its whole-message `xsem`;
- `last_sem`, `last_gap`: the same for the last segment only (the ask, usually);
- `mean_sem`, `mean_gap`: the same for the normalised mean of the segment vectors (what a
  segments-only encoder call would give instead of the whole-message vector).

Variants add columns to the shipped model (round 6 features, `domain` stacked, the offer
model as shipped: `calibrate.cross_validate(labelled=...)`); every variant on the same
questions, folds and seeds. `--latency` times the encoder on the calibration messages:
the whole message alone against the whole message plus its segments.

Nothing here is shipped: no variant was kept. Run: `OMP_NUM_THREADS=1 nice -n 10
.venv/bin/python bench/segments.py --shared DIR
[--seeds 3] [--only baseline seg] [--latency]`.
"""

from __future__ import annotations

import argparse
import pickle
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.domain import gathered_domain, print_runs, print_seeds, seeded_runs
from bench.neighbours import CALIBRATION, _gather
from knowledge import Answerer, build_encoder, load_knowledge_base
from knowledge.retrieval.calibrate import Question, with_column
from knowledge.retrieval.features import HYBRID_FEATURES
from knowledge.retrieval.neighbour import NEIGHBOUR_FEATURE

MAX_WORDS = 12  # a clause or window: about the length of an article's phrasing
MIN_WORDS = 3  # shorter pieces ("hi!", "quick one:") join a neighbour
MAX_SEGMENTS = 8  # the last ones are kept: the ask usually ends a message
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")
_COMMA = re.compile(r"(?<=,)\s+")


def _windows(words: list[str]) -> list[list[str]]:
    """A clause over 1.5 x MAX_WORDS words as windows of MAX_WORDS, half overlapping."""
    if 2 * len(words) <= 3 * MAX_WORDS:
        return [words]
    step = MAX_WORDS // 2
    starts = list(range(0, len(words) - MAX_WORDS + 1, step))
    if starts[-1] + MAX_WORDS < len(words):
        starts.append(len(words) - MAX_WORDS)
    return [words[s : s + MAX_WORDS] for s in starts]


def _joined(pieces: list[list[str]]) -> list[list[str]]:
    """Pieces under MIN_WORDS words joined to the next one (the last to the previous)."""
    out: list[list[str]] = []
    carry: list[str] = []
    for piece in pieces:
        carry = carry + piece
        if len(carry) >= MIN_WORDS:
            out.append(carry)
            carry = []
    if carry:
        if out:
            out[-1] = out[-1] + carry
        else:
            out.append(carry)
    return out


def segment(text: str) -> list[str]:
    """The message's segments in order; one (the whole text) when it has no parts."""
    sentences = [s.split() for s in _SENTENCE.split(text.strip()) if s.strip()]
    pieces: list[list[str]] = []
    for words in _joined(sentences):
        if len(words) <= MAX_WORDS:
            pieces.append(words)
            continue
        clauses = _joined([c.split() for c in _COMMA.split(" ".join(words)) if c.strip()])
        for clause in clauses:
            pieces.extend(_windows(clause))
    pieces = _joined(pieces)
    if len(pieces) <= 1:
        return [text.strip()]
    return [" ".join(p) for p in pieces[-MAX_SEGMENTS:]]


# ---- the features ---------------------------------------------------------------------------
def _best_per_candidate(
    sims: np.ndarray, rows_of: dict[str, np.ndarray], ids: Sequence[str]
) -> np.ndarray:
    """sims: (segments, texts); per candidate the largest cosine over segments and texts."""
    out = np.full(len(ids), -1.0)
    for j, a in enumerate(ids):
        rows = rows_of.get(a)
        if rows is not None and len(rows):
            out[j] = float(sims[:, rows].max())
    return out


def _gap(values: np.ndarray) -> np.ndarray:
    """Each value minus the best other one (among the candidates)."""
    if len(values) < 2:
        return np.zeros(len(values))
    order = np.argsort(-values, kind="stable")
    first, second = values[order[0]], values[order[1]]
    return np.where(np.arange(len(values)) == order[0], first - second, values - first)


def segment_features(
    questions: Sequence[Question],
    vectors: np.ndarray,
    texts: np.ndarray,
    text_ids: Sequence[str],
    encoder_vectors: Sequence[np.ndarray],
) -> dict[str, list[np.ndarray]]:
    """Per feature name, per question one value per candidate. `encoder_vectors`: each
    question's segment vectors (one row: the message had one segment)."""
    rows_of: dict[str, list[int]] = {}
    for r, a in enumerate(text_ids):
        rows_of.setdefault(a, []).append(r)
    rows = {a: np.array(r) for a, r in rows_of.items()}
    out: dict[str, list[np.ndarray]] = {
        n: [] for n in ("seg_sem", "seg_gap", "last_sem", "last_gap", "mean_sem", "mean_gap")
    }
    t32 = np.asarray(texts, np.float32)
    for q, whole, segs in zip(questions, vectors, encoder_vectors, strict=True):
        if len(segs) <= 1:
            stack = np.asarray(whole, np.float32)[None, :]
            segs_used, last, mean = stack, stack, stack
        else:
            segs_used = np.asarray(segs, np.float32)
            last = segs_used[-1:]
            m = segs_used.mean(axis=0)
            mean = (m / np.linalg.norm(m))[None, :]
        for name, matrix in (("seg", segs_used), ("last", last), ("mean", mean)):
            values = _best_per_candidate(matrix @ t32.T, rows, q.ids)
            out[f"{name}_sem"].append(values)
            out[f"{name}_gap"].append(_gap(values))
    return out


def _all_rows(cache: Path, shared: Path) -> tuple[list[Question], list[str], dict, list[str]]:
    """The harness's questions (`bench/neighbours._gather`), the article id of every text
    row, each question's segments' vectors (cached in `cache`)."""
    args = argparse.Namespace(
        cache=str(cache), file=sorted(CALIBRATION.glob("*.jsonl")), shared=shared
    )
    questions, groups, extra = _gather(args)
    seg_cache = cache.with_suffix(".segments.pickle")
    if seg_cache.is_file():
        extra |= pickle.loads(seg_cache.read_bytes())
        return questions, groups, extra, extra["all_ids"]
    answerer = Answerer(load_knowledge_base(), "dpo@example.com", encoder=build_encoder("builtin"))
    units = answerer.text_vectors()
    index = answerer._semantic
    assert index is not None and answerer.encoder is not None
    assert np.allclose(units, np.asarray(extra["texts"]))
    all_ids = [index.ids[g] for g in index.group]
    segments = [segment(q.case.q) for q in questions]
    flat = [s for segs in segments if len(segs) > 1 for s in segs]
    encoded = answerer.encoder.encode(flat, "query") if flat else np.zeros((0, 384))
    per_question, at = [], 0
    for segs in segments:
        if len(segs) > 1:
            per_question.append(encoded[at : at + len(segs)])
            at += len(segs)
        else:
            per_question.append(np.zeros((1, encoded.shape[1])))
    more = {"all_ids": all_ids, "segments": segments, "segment_vectors": per_question}
    seg_cache.write_bytes(pickle.dumps(more))
    extra |= more
    return questions, groups, extra, all_ids


VARIANTS: dict[str, tuple[str, ...]] = {
    "baseline": (),
    "seg": ("seg_sem", "seg_gap"),
    "seg_sem": ("seg_sem",),
    "last": ("last_sem", "last_gap"),
    "mean": ("mean_sem", "mean_gap"),
}


def latency(questions: Sequence[Question]) -> None:
    """Encoder wall and CPU time per message: whole alone, whole + segments (one batch),
    segments alone; over the messages with more than one segment."""
    encoder = build_encoder("builtin")
    assert encoder is not None
    encoder.encode(["warm up"], "query")
    long = [q.case.q for q in questions if len(segment(q.case.q)) > 1]
    timings: dict[str, list[float]] = {"whole": [], "whole+segments": [], "segments": []}
    for text in long:
        segs = segment(text)
        for name, batch in (
            ("whole", [text]),
            ("whole+segments", [text, *segs]),
            ("segments", segs),
        ):
            started = time.process_time()
            encoder.encode(batch, "query")
            timings[name].append((time.process_time() - started) * 1000)
    print(f"encoder CPU ms over {len(long)} messages with more than one segment:")
    for name, values in timings.items():
        v = np.array(values)
        print(f"  {name:15s} p50 {np.percentile(v, 50):.1f}  p99 {np.percentile(v, 99):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/segments-bench.pickle"))
    parser.add_argument(
        "--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--latency", action="store_true")
    args = parser.parse_args()
    questions, groups, extra, all_ids = _all_rows(args.cache, args.shared)
    counts = np.bincount([min(len(s), 9) for s in extra["segments"]])
    print("segments per message (0..8, 9+):", counts.tolist(), flush=True)
    if args.latency:
        latency(questions)
        return
    vectors = np.asarray(extra["vectors"], np.float64)
    texts = np.asarray(extra["texts"], np.float64)
    domain = gathered_domain(questions, extra)
    features = segment_features(questions, vectors, texts, all_ids, extra["segment_vectors"])
    shipped = tuple(n for n in HYBRID_FEATURES if n != NEIGHBOUR_FEATURE)  # before round 13
    base_width = len(shipped) - 1  # the rows lack `domain`, stacked at its place
    for name, added in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        names = (*shipped, *added)
        rows = list(questions)
        for k, feature in enumerate(added):
            rows = with_column(rows, features[feature], base_width + k)
        started = time.monotonic()
        runs = seeded_runs(rows, names, groups, domain, range(args.seeds), labelled=domain.labelled)
        print_runs(name, runs, groups, time.monotonic() - started)
        print_seeds(runs)


if __name__ == "__main__":
    main()
