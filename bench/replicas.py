"""Three `gdpr-bot run` replicas on one PostgreSQL: dispatch throughput and click latency.

The setup of tests/scale: three real processes in Slack HTTP mode, one fresh PostgreSQL
schema, the fake Slack Web API on loopback. A catalogue of `--routines` routines all due
now makes the replicas create and post that many occurrences at once; then `--clicks`
signed `routine.confirm` clicks (distinct people, distinct occurrences) are sent
round-robin to the replicas, `--concurrency` at a time. Prints:

- dispatch: occurrences created per second and posts per second (first post to last);
- confirmations per second, and p50 / p99 of two latencies of the burst: the HTTP ack
  (sending the click to reading the bot's 200: what Slack's 3-second limit sees; the
  click is stored in the durable inbox before it) and click-to-reply (sending the click to
  the fake Slack API receiving the "✅ Confirmed" update, which is sent only after the
  confirmation and its ledger entry committed: an upper bound on click-to-commit). A
  burst of 1,000 queues inside the replicas: its click-to-reply is mostly waiting behind
  the clicks ahead of it;
- the same two latencies for `--paced` further clicks by `--paced-users` people who each
  wait for their reply before clicking again (the load a real team produces);
- the CPU seconds the three replicas used during the burst (from /proc; on a shared
  machine a steadier figure than the wall clock), the CPU this process used meanwhile
  (the clicks' sender and the fake Slack API: on the same cores, unlike Slack), and the
  load average;
- clicks never answered "✅" (a click answered "try again" instead, e.g. a statement
  timeout under load) once no reply has come for `--settle` seconds.

    python bench/replicas.py [--routines 1000] [--clicks 1000] [--concurrency 50]
                             [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
                             [--no-record]

Results are appended to docs/performance.md, section "Replicas on PostgreSQL".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testing.bench_docs import append_to_section  # noqa: E402
from testing.scale.clicks import click_and_wait, send_clicks  # noqa: E402
from testing.scale.cluster import clicks_for, poll_until, spread  # noqa: E402
from testing.scale.stack import scale_stack  # noqa: E402

SECTION = "## Replicas on PostgreSQL"
CONFIRMED = "✅"
TARGET_P99_MS = 250.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes used so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_for_replies(replies: Callable[[], dict[str, float]], wanted: int, settle: float) -> None:
    """Until `wanted` replies, or none new for `settle` seconds (then some never came)."""
    seen, last_change = 0, time.monotonic()
    while seen < wanted and time.monotonic() - last_change < settle:
        time.sleep(0.05)
        now = len(replies())
        if now != seen:
            seen, last_change = now, time.monotonic()


def print_problems(logs: list[Path]) -> None:
    """Warnings and errors the replicas logged, counted by message (what slowed a run)."""
    seen: Counter[str] = Counter()
    for path in logs:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if " WARNING " in line or " ERROR " in line:
                seen[line.split(" ", 2)[-1][:110]] += 1
    for message, count in seen.most_common(8):
        print(f"{count:>6} × {message}")


def run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, scale_stack(args.admin_url, Path(tmp)) as stack:
        started = time.monotonic()
        total = args.routines + args.paced
        cluster = stack.start_cluster(routines=total - 1)  # + the spare
        ready = time.monotonic()
        poll_until(lambda: stack.all_posted(total), 600, "every occurrence posted")
        posts = sorted(c.at for c in stack.slack.calls if c.method == "chat.postMessage")
        created = stack.db.count_occurrences()
        dispatch_seconds = max(posts[-1] - posts[0], 1e-6)

        every_click = stack.admit(clicks_for(stack.db.posted_messages()))
        clicks, paced = every_click[: args.clicks], every_click[args.clicks :][: args.paced]
        targets = spread(clicks, cluster.replicas)
        pids = [replica.process.pid for replica in cluster.replicas]
        cpu_before, load_before = cpu_seconds(pids), os.getloadavg()[0]
        own_before = time.process_time()  # this process: the clicks' sender and fake Slack
        sent = asyncio.run(
            send_clicks(
                targets,
                cluster.signer,
                stack.slack.response_url(),
                concurrency=args.concurrency,
                rate=args.rate,
            )
        )
        wanted = {c.message_ts for c in clicks}

        def replies() -> dict[str, float]:
            return {
                str(call.params.get("ts")): call.at
                for call in list(stack.slack.calls)
                if call.method == "chat.update"
                and str(call.params.get("ts")) in wanted
                and CONFIRMED in str(call.params.get("text", "")) + call.blocks_text
            }

        wait_for_replies(replies, len(clicks), args.settle)
        replied = replies()
        burst_cpu = cpu_seconds(pids) - cpu_before
        own_cpu = time.process_time() - own_before
        answered = [s for s in sent if s.click.message_ts in replied]
        latencies = [(replied[s.click.message_ts] - s.at) * 1000 for s in answered]
        acks = [(s.acked - s.at) * 1000 for s in sent]
        window = max(replied.values()) - min(s.at for s in sent)
        paced_timed = asyncio.run(
            click_and_wait(
                spread(paced, cluster.replicas),
                cluster.signer,
                stack.slack.response_url(),
                stack.slack.updated.get,
                users=args.paced_users,
            )
        )
        paced_ms = [timed.reply * 1000 for timed in paced_timed]
        paced_acks = [timed.ack * 1000 for timed in paced_timed]
        burst = {c.occurrence_id for c in clicks}
        confirmations = sum(n for o, n in stack.db.confirmations().items() if o in burst)
        print_problems([replica.log_path for replica in cluster.replicas])
        return {
            "routines": args.routines,
            "clicks": len(clicks),
            "concurrency": args.concurrency,
            "rate": args.rate or 0.0,
            "startup_s": ready - started,
            "created": created,
            "posts": len(posts),
            "posts_per_s": len(posts) / dispatch_seconds,
            "confirmations": confirmations,
            "unanswered": len(clicks) - len(answered),
            "confirmations_per_s": len(answered) / window,
            "ack_p50_ms": statistics.median(acks),
            "ack_p99_ms": percentile(acks, 0.99),
            "p50_ms": statistics.median(latencies),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies),
            "burst_cpu_s": burst_cpu,
            "cpu_ms_per_click": burst_cpu * 1000 / len(clicks),
            "sender_cpu_ms_per_click": own_cpu * 1000 / len(clicks),
            "paced": len(paced_ms),
            "paced_users": args.paced_users,
            "paced_ack_p50_ms": statistics.median(paced_acks) if paced_acks else 0.0,
            "paced_ack_p99_ms": percentile(paced_acks, 0.99) if paced_acks else 0.0,
            "paced_p50_ms": statistics.median(paced_ms) if paced_ms else 0.0,
            "paced_p99_ms": percentile(paced_ms, 0.99) if paced_ms else 0.0,
            "load_before": load_before,
            "load": os.getloadavg()[0],
        }


def describe(result: dict[str, float]) -> str:
    def verdict(p99: float) -> str:
        return "met" if p99 <= TARGET_P99_MS else "**not met**"

    ack_p99, p99, paced_p99 = result["ack_p99_ms"], result["p99_ms"], result["paced_p99_ms"]
    unanswered = int(result["unanswered"])
    return (
        f"- {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC · CPython "
        f"{platform.python_version()} · 3 replicas, PostgreSQL, {os.cpu_count()} cores (load "
        f"average {float(result['load_before']):.1f} before the burst, "
        f"{float(result['load']):.1f} after): {result['posts']:.0f} occurrences due at once "
        f"posted at {float(result['posts_per_s']):.0f} posts/s; {result['clicks']:.0f} clicks "
        + (
            f"(sent at {result['rate']:.0f}/s without waiting, round-robin)"
            if result["rate"]
            else f"({result['concurrency']:.0f} at a time, round-robin)"
        )
        + f" -> {result['confirmations']:.0f} "
        f"confirmations at {float(result['confirmations_per_s']):.0f}/s"
        + (f' ({unanswered} answered "try again" instead)' if unanswered else "")
        + f"; HTTP ack p50 {float(result['ack_p50_ms']):.0f} ms, p99 {ack_p99:.0f} ms "
        f"(target p99 ≤ {TARGET_P99_MS:.0f} ms: {verdict(ack_p99)}); click-to-reply p50 "
        f"{float(result['p50_ms']):.0f} ms, p99 {p99:.0f} ms, max {float(result['max_ms']):.0f} "
        f"ms ({verdict(p99)}); replicas' CPU {float(result['burst_cpu_s']):.1f} s for the "
        f"burst ({float(result['cpu_ms_per_click']):.2f} ms a click; the sender and the fake "
        f"Slack API {float(result['sender_cpu_ms_per_click']):.2f} ms a click on the same "
        "cores); "
        f"{result['paced']:.0f} more clicks by {result['paced_users']:.0f} people who each "
        f"wait for their reply: ack p50 {result['paced_ack_p50_ms']:.0f} ms, p99 "
        f"{result['paced_ack_p99_ms']:.0f} ms; click-to-reply p50 "
        f"{result['paced_p50_ms']:.0f} ms, p99 {paced_p99:.0f} ms ({verdict(paced_p99)})"
    )


def record(line: str) -> None:
    """Append a line at the end of "## Replicas on PostgreSQL" in docs/performance.md."""
    intro = (
        "`python bench/replicas.py`: three `gdpr-bot run` processes (Slack HTTP mode) on one "
        "PostgreSQL schema and the fake Slack Web API; dispatch throughput of occurrences due "
        "at once, and click-to-reply latency of concurrent signed `routine.confirm` clicks "
        "(the reply is sent after the confirmation and its ledger entry committed)."
    )
    append_to_section(ROOT / "docs" / "performance.md", SECTION, intro, line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--routines", type=int, default=1000)
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: send the burst at this many clicks/s without waiting for acks "
        "(latency from each click's due time); default: closed loop, --concurrency at a time",
    )
    parser.add_argument("--paced", type=int, default=300, help="closed-loop clicks after")
    parser.add_argument("--paced-users", type=int, default=10)
    parser.add_argument(
        "--settle", type=float, default=60.0, help="give up on replies after this many quiet s"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "GDPRBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    result = run(args)
    for key, value in result.items():
        print(f"{key:>23}: {value:.2f}" if isinstance(value, float) else f"{key:>23}: {value}")
    line = describe(result)
    print(line)
    if not args.no_record:
        record(line)


if __name__ == "__main__":
    main()
