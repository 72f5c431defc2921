"""The floor under bench/replicas.py: what the same burst gets from servers doing nearly nothing.

Three processes of a trivial aiohttp server on the same 2 cores, sent the same signed
`routine.confirm` clicks by the same load generator (testing/scale/clicks.py), closed loop
(`--concurrency` at a time) or open loop (`--rate`). What a server does per click, by
`--mode`:

- `sign`: read the body, check its Slack signature (slack_sdk's SignatureVerifier, as the
  bot does), answer 200;
- `inbox`: also read the click's dedupe key from the payload and store it with the body in
  PostgreSQL before the 200: the bot's own `InboxStore.accept` (one statement claims and
  stores a group, group-committed, on a fresh migrated schema);
- `reply`: also, after the 200, delete the row (group-committed, as the inbox worker
  does when a click is done) and POST `chat.update` to the fake Slack API: the least a
  reply can cost (the bot adds the person, the authorisation, the confirmation and its
  ledger entry in one more transaction).

Prints ack p50/p99 (request sent to 200 read), for `reply` click-to-reply p50/p99 (to the
fake Slack API receiving the update), and the servers' CPU a click. Nothing is recorded:
the figures go to docs/performance.md by hand, with the load.

    python bench/floor.py [--mode sign|inbox|reply] [--clicks 1000] [--concurrency 50]
                          [--rate R] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.replicas import cpu_seconds, percentile, wait_for_replies  # noqa: E402
from testing.scale.clicks import send_clicks  # noqa: E402
from testing.scale.cluster import (  # noqa: E402
    SIGNING_SECRET,
    Click,
    Replica,
    free_port,
    poll_until,
    spread,
)
from testing.scale.stack import scale_stack  # noqa: E402
from testing.slack_payloads import SlackSigner  # noqa: E402

REPLICAS = 3


# --- the server (one process each, `--serve`) ------------------------------------------------


def serve(port: int, mode: str, database_url: str, slack_api: str) -> None:
    from aiohttp import ClientSession, web
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(SIGNING_SECRET)
    inbox = None
    if mode != "sign":
        from bot.records.inbox import InboxStore
        from storage.engines import make_engine
        from storage.sessions import session_factory

        inbox = InboxStore(session_factory(make_engine(database_url)), secret=b"floor")
    background: set[asyncio.Task[None]] = set()
    http: list[ClientSession] = []

    async def reply(row: int, payload: dict[str, object]) -> None:
        assert inbox is not None
        await inbox.done(row)
        message = payload["container"]
        assert isinstance(message, dict)
        if not http:
            http.append(ClientSession())
        form = {"channel": message["channel_id"], "ts": message["message_ts"], "text": "✅"}
        async with http[0].post(slack_api + "chat.update", data=form) as response:
            await response.read()

    async def click(request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8")
        if not verifier.is_valid_request(body, dict(request.headers)):
            return web.Response(status=401)
        if inbox is None:
            return web.Response(status=200)
        payload = json.loads(parse_qs(body)["payload"][0])
        key = f"{payload['actions'][0]['action_ts']}:{payload['user']['id']}"
        row = await inbox.accept("slack", key, "action", body, _now())
        if mode == "reply" and row is not None:
            task = asyncio.create_task(reply(row, payload))
            background.add(task)
            task.add_done_callback(background.discard)
        return web.Response(status=200)

    async def ready(_: web.Request) -> web.Response:
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/slack/events", click)
    app.router.add_get("/readyz", ready)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _now() -> object:
    from datetime import UTC, datetime

    return datetime.now(UTC)


# --- the bench ------------------------------------------------------------------------------


def start_servers(mode: str, database_url: str, slack: object, workdir: Path) -> list[Replica]:
    servers = []
    for index in range(1, REPLICAS + 1):
        port = free_port()
        log_path = workdir / f"floor-{index}.log"
        api = slack.api_url_for(index)  # type: ignore[attr-defined]
        command = [sys.executable, __file__, "--serve", str(port), mode, database_url, api]
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        servers.append(Replica(index, port, process, log_path))
    for server in servers:
        poll_until(lambda s=server: s.status("/readyz") == 200, 60, f"floor server {server.index}")
    return servers


def run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, scale_stack(args.admin_url, Path(tmp)) as stack:
        servers = start_servers(args.mode, stack.database_url, stack.slack, Path(tmp))
        try:
            clicks = [
                Click(n, f"UFLOOR{n:05d}", f"CFLOOR{n:05d}", f"1700000000.{n:06d}")
                for n in range(args.clicks)
            ]
            pids = [server.process.pid for server in servers]
            cpu_before, load_before = cpu_seconds(pids), os.getloadavg()[0]
            own_before = time.process_time()
            sent = asyncio.run(
                send_clicks(
                    spread(clicks, servers),
                    SlackSigner(SIGNING_SECRET),
                    stack.slack.response_url(),
                    concurrency=args.concurrency,
                    rate=args.rate,
                )
            )
            wanted = {c.message_ts for c in clicks}

            def replies() -> dict[str, float]:
                return {ts: at for ts, at in dict(stack.slack.updated).items() if ts in wanted}

            if args.mode == "reply":
                wait_for_replies(replies, len(clicks), 30.0)
            cpu = cpu_seconds(pids) - cpu_before
            own = time.process_time() - own_before  # the sender and the fake Slack API
            replied = replies()
        finally:
            for server in servers:
                server.process.terminate()
            for server in servers:
                server.process.wait(timeout=10)
        acks = [(s.acked - s.at) * 1000 for s in sent]
        latencies = [(replied[s.click.message_ts] - s.at) * 1000 for s in sent
                     if s.click.message_ts in replied]  # fmt: skip
        result = {
            "ok": float(sum(s.status == 200 for s in sent)),
            "ack_p50_ms": statistics.median(acks),
            "ack_p99_ms": percentile(acks, 0.99),
            "replied": float(len(latencies)),
            "reply_p50_ms": statistics.median(latencies) if latencies else 0.0,
            "reply_p99_ms": percentile(latencies, 0.99) if latencies else 0.0,
            "cpu_ms_per_click": cpu * 1000 / len(clicks),
            "sender_cpu_ms_per_click": own * 1000 / len(clicks),
            "load_before": load_before,
            "load": os.getloadavg()[0],
        }
        return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mode", choices=("sign", "inbox", "reply"), default="inbox")
    parser.add_argument("--clicks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=None, help="open loop, clicks/s")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "GDPRBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    result = run(args)
    loop = f"open loop {args.rate:.0f}/s" if args.rate else f"closed loop {args.concurrency}"
    print(f"mode {args.mode}, {args.clicks} clicks, {loop}, 3 servers, {os.cpu_count()} cores")
    for key, value in result.items():
        print(f"{key:>18}: {value:.1f}")


if __name__ == "__main__":
    main()
