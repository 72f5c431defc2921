"""Chat latency: signed Slack events at a fixed rate against a real `gdpr-bot run`.

Starts the fake Slack Web API in this process and `gdpr-bot run` as a subprocess (its
own process, SQLite database, shipped knowledge base), sends signed `message.im`
events to POST /slack/events at --rate per second for --seconds, and measures the time
from sending each request to its `chat.postMessage` arriving at the fake.

    python bench/chat.py [--rate 50] [--seconds 30] [--database-url URL]

Prints p50 / p90 / p99 / max; exits non-zero if a reply is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from testing.slack_api import FakeSlackApi  # noqa: E402
from testing.slack_payloads import SlackSigner, dm  # noqa: E402

SECRET = "bench-signing-secret"
LISTENING = re.compile(rb"http server listening.*port=(\d+)")
QUESTIONS = (
    "hur länge får vi spara samtalsinspelningar?",
    "what is a personal data breach?",
    "får vi be kunden om personnummer i telefon?",
    "how fast must we answer a request for access?",
    "jag har skickat ett mejl till fel kund, vad gör jag?",
    "hjälp",
    "vad kostar en banan på månen?",
)


async def start_bot(api: FakeSlackApi, database_url: str) -> tuple[asyncio.subprocess.Process, int]:
    env = {
        **os.environ,
        "GDPRBOT_DATABASE_URL": database_url,
        "GDPRBOT_PORT": "0",
        "GDPRBOT_CONSOLE": "off",
        "GDPRBOT_TEAMS": "false",
        "GDPRBOT_SCHEDULER": "false",
        "GDPRBOT_LOG_LEVEL": "INFO",
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "GDPRBOT_SLACK_API_URL": api.api_url,
    }
    executable = Path(sys.executable).with_name("gdpr-bot")
    process = await asyncio.create_subprocess_exec(
        str(executable),
        "run",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), 120)
        if not line:
            raise SystemExit("gdpr-bot run exited before it listened")
        if match := LISTENING.search(line):
            port = int(match.group(1))
            break
    # Keep the pipe from filling up; the task lives as long as the process object.
    process.drain_task = asyncio.create_task(_drain(process.stderr))  # type: ignore[attr-defined]
    return process, port


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def run(rate: float, seconds: float, database_url: str) -> int:
    api = await FakeSlackApi().start()
    process, port = await start_bot(api, database_url)
    signer = SlackSigner(SECRET)
    url = f"http://127.0.0.1:{port}/slack/events"
    sent: dict[str, float] = {}
    statuses: list[int] = []
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def send(index: int) -> None:
            channel = f"D{index:08d}"
            body = json.dumps(dm(QUESTIONS[index % len(QUESTIONS)], channel=channel))
            headers = signer.headers(body)
            sent[channel] = time.monotonic()
            async with http.post(url, data=body, headers=headers) as response:
                statuses.append(response.status)

        # Warm up (first request authorises with auth.test and loads lazy parts).
        await send(-1)
        await api.wait_for("chat.postMessage", 1, timeout=30)
        total = int(rate * seconds)
        cpu_before = _cpu_seconds(process.pid)
        start = time.monotonic()
        tasks = []
        for index in range(total):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
        with contextlib.suppress(TimeoutError):
            await api.wait_for("chat.postMessage", total + 1, timeout=30)
    cpu_ms = (_cpu_seconds(process.pid) - cpu_before) * 1000 / max(1, total)
    process.terminate()
    await process.wait()
    await api.close()
    print(f"  bot CPU per event: {cpu_ms:.1f} ms (user + system, after warm-up)")

    latencies = sorted(
        (call.at - sent[call.params["channel"]]) * 1000
        for call in api.calls_to("chat.postMessage")
        if call.params.get("channel") in sent and call.params["channel"] != "D-0000001"
    )
    return report(latencies, total, statuses, rate, seconds)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def report(latencies: list[float], total: int, statuses: list[int], rate: float, s: float) -> int:
    bad = sum(1 for status in statuses if status != 200)
    print(f"chat latency: {total} signed Slack events at {rate:g}/s for {s:g} s")
    print("  request -> chat.postMessage at the fake Web API (gdpr-bot run in its own process)")
    if not latencies:
        print("  no replies arrived")
        return 1
    print(
        f"  p50 {percentile(latencies, 0.50):.1f} ms   p90 {percentile(latencies, 0.90):.1f} ms"
        f"   p99 {percentile(latencies, 0.99):.1f} ms   max {latencies[-1]:.1f} ms"
        f"   mean {statistics.fmean(latencies):.1f} ms"
    )
    print(f"  replies {len(latencies)}/{total}, non-200 responses {bad}")
    verdict = "met" if percentile(latencies, 0.99) <= 50 else "NOT met"
    print(f"  target p99 <= 50 ms: {verdict}")
    return 0 if len(latencies) >= total and bad == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench-chat.db"
        sys.exit(asyncio.run(run(args.rate, args.seconds, url)))


if __name__ == "__main__":
    main()
