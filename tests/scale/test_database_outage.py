"""PostgreSQL goes away for a few seconds under load (a proxy between the replicas and
the shared server is cut): clicks are acknowledged and answered "try again", never a
false "confirmed"; /readyz fails; everything recovers without a restart."""

from __future__ import annotations

import dataclasses
import threading
import time

from testing.scale.clicks import Sent, send_clicks_now
from testing.scale.cluster import Click, clicks_for, poll_until, spread
from tests.scale.conftest import SCALE, Stack

pytestmark = SCALE

ROUTINES = 100
CONFIRMED = "✅"
TRY_AGAIN = ("Försök igen", "try again")


def replied(stack: Stack, clicks: list[Click]) -> tuple[set[str], set[str]]:
    """(users answered "confirmed", users answered "try again") among these clicks."""
    by_ts = {c.message_ts: c.user for c in clicks}
    users = set(by_ts.values())
    confirmed = {
        by_ts[str(p.get("ts"))]
        for p in stack.slack.calls_with("chat.update", CONFIRMED)
        if str(p.get("ts")) in by_ts
    }
    try_again = {
        str(p.get("user"))
        for needle in TRY_AGAIN
        for p in stack.slack.calls_with("chat.postEphemeral", needle)
        if str(p.get("user")) in users
    }
    return confirmed, try_again


def everyone_answered(stack: Stack, clicks: list[Click]) -> bool:
    confirmed, try_again = replied(stack, clicks)
    return confirmed | try_again == {c.user for c in clicks}


def test_an_outage_during_clicks_never_reports_an_uncommitted_confirmation_and_heals(
    stack: Stack,
) -> None:
    proxy = stack.proxy()
    cluster = stack.start_cluster(routines=ROUTINES, through=proxy)
    poll_until(lambda: stack.all_posted(ROUTINES + 1), 60, "every occurrence posted")
    pids = [r.process.pid for r in cluster.replicas]
    clicks = stack.admit(clicks_for(stack.db.posted_messages()))
    users = {c.user for c in clicks}
    in_flight, while_down = clicks[: len(clicks) // 2], clicks[len(clicks) // 2 :]
    url = stack.slack.response_url()

    # 1. The database goes away while clicks are being processed.
    sent: list[Sent] = []
    sender = threading.Thread(
        target=lambda: sent.extend(
            send_clicks_now(cluster, spread(in_flight, cluster.replicas), url)
        )
    )
    sender.start()
    poll_until(lambda: len(replied(stack, in_flight)[0]) >= 5, 30, "the first confirmations")
    stack.background.run(proxy.cut())
    sender.join(timeout=60)
    # 2. Clicks that arrive while it is down.
    sent += send_clicks_now(cluster, spread(while_down, cluster.replicas), url)

    assert [s.status for s in sent] == [200] * len(clicks)  # Slack got its ack for every click
    poll_until(lambda: everyone_answered(stack, clicks), 60, "a reply to every click")
    confirmed, try_again = replied(stack, clicks)
    assert {c.user for c in while_down} <= try_again
    assert confirmed <= stack.db.confirmed_users(users)  # "confirmed" only if committed
    for replica in cluster.replicas:
        poll_until(lambda r=replica: r.status("/readyz") == 503, 20, "/readyz 503 while down")  # type: ignore[misc]
        assert replica.status("/healthz") == 200

    # 3. It comes back: ready again, and the people who were told to try again can.
    stack.background.run(proxy.restore())
    for replica in cluster.replicas:
        poll_until(lambda r=replica: r.status("/readyz") == 200, 30, "/readyz 200 again")  # type: ignore[misc]
    again = [
        dataclasses.replace(c, action_ts=f"{time.time():.6f}")
        for c in clicks
        if c.user in try_again
    ]
    assert {s.status for s in send_clicks_now(cluster, spread(again, cluster.replicas), url)} == {
        200
    }
    poll_until(lambda: stack.db.confirmed_users(users) == users, 30, "every retried click recorded")
    assert [r.process.pid for r in cluster.alive()] == pids  # healed without a restart
    assert set(stack.db.confirmations().values()) == {1}
