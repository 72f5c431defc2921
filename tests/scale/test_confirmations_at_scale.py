"""1,000 people confirm at once, their clicks spread over three replicas: every click is
recorded exactly once with one ledger entry, the chain verifies, and a click that reaches
two replicas is recorded once."""

from __future__ import annotations

import os
import subprocess

from testing.scale.clicks import send_clicks_now
from testing.scale.cluster import (
    Click,
    clicks_for,
    gdpr_bot_command,
    poll_progress,
    poll_until,
    spread,
)
from tests.scale.conftest import ROUTINES, SCALE, SPARE, Stack, posted_channels

pytestmark = SCALE

CONFIRMED = "✅"


def routine_clicks(stack: Stack, purpose: str) -> list[Click]:
    """One click by a different person on each posted routine set aside for `purpose`."""
    channels = posted_channels(purpose)
    posted = [p for p in stack.db.posted_messages() if p[1] in channels]
    return stack.admit(clicks_for(posted, user_prefix=f"U{purpose.upper()}"))


def confirmed_replies(stack: Stack, clicks: list[Click]) -> int:
    """Messages replaced by their "✅ Confirmed by ..." line (the reply to a recorded click)."""
    wanted = {c.message_ts for c in clicks}
    return len(
        {
            params.get("ts")
            for params in stack.slack.calls_with("chat.update", CONFIRMED)
            if params.get("ts") in wanted
        }
    )


def test_a_thousand_concurrent_clicks_on_three_replicas_are_each_recorded_once(
    posted_stack: Stack,
) -> None:
    cluster = posted_stack.clusters[0]
    clicks = routine_clicks(posted_stack, "thousand")
    assert len(clicks) == ROUTINES

    sent = send_clicks_now(
        cluster, spread(clicks, cluster.replicas), posted_stack.slack.response_url()
    )

    assert {s.status for s in sent} == {200}  # every click acknowledged
    poll_progress(
        lambda: confirmed_replies(posted_stack, clicks), ROUTINES, 60, "1,000 confirmed replies"
    )
    clicked = {c.occurrence_id for c in clicks}
    confirmations = posted_stack.db.confirmations()
    entries = posted_stack.db.confirmation_entries()
    assert {o: n for o, n in confirmations.items() if o in clicked} == dict.fromkeys(clicked, 1)
    assert {o: n for o, n in entries.items() if o in clicked} == dict.fromkeys(clicked, 1)


def test_the_ledger_verifies_after_concurrent_appends_from_three_replicas(
    posted_stack: Stack,
) -> None:
    cluster = posted_stack.clusters[0]
    clicks = routine_clicks(posted_stack, "ledger")
    assert len(clicks) == 100
    send_clicks_now(cluster, spread(clicks, cluster.replicas), posted_stack.slack.response_url())
    poll_progress(lambda: posted_stack.db.confirmations_of(c.occurrence_id for c in clicks),
                  100, 60, "100 confirmations")  # fmt: skip

    env = {**os.environ, "GDPRBOT_DATABASE_URL": posted_stack.database_url}
    verify = subprocess.run(
        [*gdpr_bot_command(), "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_same_click_arriving_at_two_replicas_is_recorded_once(posted_stack: Stack) -> None:
    cluster = posted_stack.clusters[0]
    [spare] = [p for p in posted_stack.db.posted_messages() if p[1] == f"C{SPARE.upper()}"]
    [click] = posted_stack.admit(clicks_for([spare], user_prefix="UTWICE"))
    first, second = cluster.replicas[0], cluster.replicas[1]

    sent = send_clicks_now(
        cluster, [(click, first), (click, second)], posted_stack.slack.response_url()
    )

    assert [s.status for s in sent] == [200, 200]
    poll_until(lambda: confirmed_replies(posted_stack, [click]) >= 1, 30, "the confirmed reply")
    assert posted_stack.db.confirmations()[click.occurrence_id] == 1
    assert posted_stack.db.confirmation_entries()[click.occurrence_id] == 1
