"""Nothing acknowledged over Socket Mode is lost: an envelope the bot acked is answered
after a kill -9 and a restart, because it was stored (with its claim) before the ack.

A real `gdpr-bot run` dials the fake Socket Mode server; its reply to a DM is held at the
fake Slack API (the work is under way, the envelope long acknowledged), then the process
is killed. Slack never sends an acknowledged envelope again: only the inbox can answer it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from testing.scale.cluster import PATIENCE, ReplicaCluster, catalogue, poll_until
from testing.slack_payloads import DM_CHANNEL, dm
from testing.socket_mode import FakeSocketMode
from tests.scale.conftest import Stack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scale")]

WAIT = 60 * PATIENCE


def _to_the_dm(params: dict[str, Any]) -> bool:
    return params.get("channel") == DM_CHANNEL


def _socket_mode_bot(stack: Stack) -> ReplicaCluster:
    path = stack.workdir / "routines.yaml"
    path.write_text(catalogue(1, datetime.now(UTC).date()))
    env = {
        "GDPRBOT_ROUTINES_FILE": str(path),
        "SLACK_APP_TOKEN": "xapp-test",
        "GDPRBOT_INBOX_LEASE_SECONDS": "1",
    }
    cluster = ReplicaCluster(stack.database_url, stack.slack, stack.workdir, env=env, count=1)
    stack.clusters.append(cluster)
    return cluster.start()


def test_an_acknowledged_socket_mode_event_is_answered_after_a_kill_and_restart(
    sqlite_stack: Stack,
) -> None:
    background, slack = sqlite_stack.background, sqlite_stack.slack
    socket = background.run(FakeSocketMode(slack).start())
    try:
        cluster = _socket_mode_bot(sqlite_stack)
        background.run(socket.wait_connected(WAIT), timeout=WAIT)
        slack.hold("chat.postMessage", _to_the_dm)

        envelope = background.run(socket.send_events_api(dm("hjälp")), timeout=WAIT)
        background.run(socket.wait_for_ack(envelope, WAIT), timeout=WAIT)
        poll_until(lambda: len(slack.held) == 1, 60, "the reply under way")
        [victim] = cluster.replicas
        victim.kill()
        cluster.replicas.clear()
        cluster.start()  # the same database, a new process

        def answered() -> bool:
            return any(_to_the_dm(call.params) for call in slack.calls_to("chat.postMessage"))

        background.run(slack.wait_until(answered, "chat.postMessage", WAIT), timeout=WAIT + 5)
        replies = [c for c in slack.calls_to("chat.postMessage") if _to_the_dm(c.params)]
        assert len(replies) == 1
    finally:
        background.run(socket.close())
