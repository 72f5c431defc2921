"""Several `gdpr-bot run` processes on one PostgreSQL: start, wait for, click, kill.

Each replica is a real subprocess in Slack HTTP mode on its own free port, pointed at
the fake Slack Web API under its own prefix (so posts are attributed to it). Everything
waits with a deadline and a bounded number of polls; `stop()` always ends every process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.engine import make_url

from testing.scale.servers import CONFIRM_ACTION, ScaleSlackApi
from testing.slack_api import TEAM_ID
from testing.slack_payloads import SlackSigner

SIGNING_SECRET = "scale-signing-secret"
POLL_SECONDS = 0.1


def gdpr_bot_command() -> list[str]:
    """The console script next to this interpreter (the venv's), else `python -m bot.cli`."""
    script = Path(sys.executable).with_name("gdpr-bot")
    if script.exists():
        return [str(script)]
    found = shutil.which("gdpr-bot")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


PORT_ATTEMPTS = 3
PORT_TAKEN = "address already in use"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def channel_of(index: int) -> str:
    return f"CSCALE{index:05d}"


def catalogue(count: int, day: date, *, spare: str | None = None) -> str:
    """`count` routines (plus `scale-<spare>`), each posted to its own channel on `day` at
    00:00 UTC, confirmable by anyone there: the first tick finds them all due at once."""
    ids = [(f"scale-{i:05d}", channel_of(i)) for i in range(count)]
    if spare:
        ids.append((f"scale-{spare}", f"C{spare.upper()}"))
    lines = ["routines:"]
    for routine_id, channel in ids:
        lines += [
            f"  - id: {routine_id}",
            f"    title: {{sv: Skalrutin {routine_id}, en: Scale routine {routine_id}}}",
            f"    schedule: [{day.isoformat()}]",
            f"    start: {day.isoformat()}",
            '    time: "00:00"',
            "    timezone: UTC",
            "    due_days: 7",
            f"    post_to: [{{platform: slack, channel: {channel}}}]",
            "    assignees: channel",
        ]
    return "\n".join(lines) + "\n"


def via_proxy(database_url: str, port: int) -> str:
    """The same database URL (schema and all), reached through 127.0.0.1:<port>."""
    url = make_url(database_url).set(host="127.0.0.1", port=port)
    return url.render_as_string(hide_password=False)


# Every wait is for an event (a row, a reply, /readyz); the timeout only bounds how long a
# broken run takes to fail. On a shared 2-core machine a replica's start alone can take
# a minute, so each timeout is stretched by this factor (GDPRBOT_TEST_PATIENCE, default 4).
PATIENCE = float(os.environ.get("GDPRBOT_TEST_PATIENCE", "4"))


def poll_until(
    condition: Callable[[], bool], timeout: float, what: str, *, interval: float = POLL_SECONDS
) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` × PATIENCE seconds."""
    timeout *= PATIENCE
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 1):
        if condition():
            return
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def poll_progress(
    count: Callable[[], int],
    target: int,
    stall: float,
    what: str,
    *,
    interval: float = POLL_SECONDS,
) -> None:
    """Poll `count()` until it reaches `target`; fail naming `what` and how far it got
    only when the count has not grown for `stall` × PATIENCE seconds.

    For bulk work (a thousand clicks, a thousand posts) a fixed deadline measures the
    machine, not the bot: on two busy cores the same run takes one minute or five. A
    stall, work that stops moving, is what a lost event or a deadlock looks like."""
    stall *= PATIENCE
    best, moved = -1, time.monotonic()
    while True:
        now_count = count()
        if now_count >= target:
            return
        if now_count > best:
            best, moved = now_count, time.monotonic()
        elif time.monotonic() - moved > stall:
            raise AssertionError(f"{what}: stuck at {best} of {target} for {stall:.0f} s")
        time.sleep(interval)


@dataclass
class Replica:
    index: int
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self, path: str) -> int:
        """HTTP status of GET `path` (0 if the process does not answer)."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return 0

    def kill(self) -> None:
        """kill -9: no shutdown hook, no drain, leases left behind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class ReplicaCluster:
    """Three (or `count`) replicas; `start()` returns once every one answers /readyz."""

    database_url: str
    slack: ScaleSlackApi
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    count: int = 3
    replicas: list[Replica] = field(default_factory=list)
    signer: SlackSigner = field(default_factory=lambda: SlackSigner(SIGNING_SECRET))

    def replica_env(self, index: int, port: int) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GDPRBOT_", "SLACK_"))}
        env.update(
            GDPRBOT_DATABASE_URL=self.database_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            GDPRBOT_SLACK_API_URL=self.slack.api_url_for(index),
            GDPRBOT_CONSOLE="off",
            GDPRBOT_TEAMS="false",
            GDPRBOT_HOST="127.0.0.1",
            GDPRBOT_PORT=str(port),
            GDPRBOT_LOG_LEVEL="WARNING",
            GDPRBOT_TICK_SECONDS="1",
            GDPRBOT_CLAIM_LEASE_SECONDS="10",
            GDPRBOT_QUESTION_LOG="off",
        )
        env.update(self.env)
        return env

    def start(self, timeout: float = 60.0) -> ReplicaCluster:
        self.replicas.extend(self._launch(index) for index in range(1, self.count + 1))
        for position, replica in enumerate(self.replicas):
            for _ in range(PORT_ATTEMPTS - 1):
                if not self._lost_its_port(replica, timeout):
                    break
                replica = self.replicas[position] = self._launch(replica.index)
            self.wait_ready(replica, timeout)
        return self

    def _launch(self, index: int) -> Replica:
        port = free_port()
        log_path = self.workdir / f"replica-{index}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*gdpr_bot_command(), "run"],
                env=self.replica_env(index, port),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        return Replica(index, port, process, log_path)

    def _lost_its_port(self, replica: Replica, timeout: float) -> bool:
        """Whether the replica exited because its port was taken before it could bind.

        `free_port` releases the port it found; a replica binds it seconds later (imports,
        migrations), and on a busy machine any client socket may draw it as its ephemeral
        port meanwhile. Such a replica is started again on another port."""

        def settled() -> bool:
            return replica.process.poll() is not None or replica.status("/readyz") == 200

        poll_until(settled, timeout, f"replica {replica.index} to start or exit")
        return replica.process.poll() is not None and PORT_TAKEN in replica.log_tail()

    def wait_ready(self, replica: Replica, timeout: float) -> None:
        def ready() -> bool:
            if replica.process.poll() is not None:
                raise AssertionError(
                    f"replica {replica.index} exited with {replica.process.returncode}:\n"
                    + replica.log_tail()
                )
            return replica.status("/readyz") == 200

        poll_until(ready, timeout, f"replica {replica.index} /readyz")

    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.process.poll() is None]

    def stop(self) -> None:
        """SIGTERM everything still running, then SIGKILL whatever did not stop in 10 s."""
        for replica in self.alive():
            replica.process.terminate()
        deadline = time.monotonic() + 10
        for replica in self.replicas:
            try:
                replica.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                replica.kill()


# --- clicks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Click:
    """A signed `block_actions` request: `user` pressed confirm on occurrence `occurrence_id`."""

    occurrence_id: int
    user: str
    channel: str
    message_ts: str
    action_ts: str = field(default_factory=lambda: f"{time.time():.6f}")

    def body(self, response_url: str) -> str:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": self.user},
            "api_app_id": "A0000APP",
            "container": {
                "type": "message",
                "message_ts": self.message_ts,
                "channel_id": self.channel,
                "is_ephemeral": False,
            },
            "channel": {"id": self.channel},
            "message": {"ts": self.message_ts, "text": "routine"},
            "response_url": response_url,
            "trigger_id": uuid.uuid4().hex,
            "actions": [
                {
                    "type": "button",
                    "action_id": CONFIRM_ACTION,
                    "block_id": "routine",
                    "value": str(self.occurrence_id),
                    "action_ts": self.action_ts,
                }
            ],
        }
        return urlencode({"payload": json.dumps(payload)})


def clicks_for(posted: Iterable[tuple[int, str, str]], user_prefix: str = "USCALE") -> list[Click]:
    """One click per posted message (occurrence, channel, ts), each by a different user."""
    return [
        Click(occurrence_id, f"{user_prefix}{n:05d}", channel, ts)
        for n, (occurrence_id, channel, ts) in enumerate(sorted(posted))
    ]


def spread(items: Iterable[Click], replicas: list[Replica]) -> list[tuple[Click, Replica]]:
    """Round-robin, as a load balancer would."""
    return [(item, replicas[n % len(replicas)]) for n, item in enumerate(items)]
