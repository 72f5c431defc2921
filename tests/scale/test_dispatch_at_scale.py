"""Three replicas dispatch 1,000 occurrences that fall due at once: each is posted once,
and a replica killed mid-dispatch loses nothing (duplicates only inside the crash window)."""

from __future__ import annotations

import socket

from testing.scale.cluster import poll_progress, poll_until
from tests.scale.conftest import POSTED, ROUTINES, SCALE, Stack

pytestmark = SCALE

POST = "chat.postMessage"

DUE = ROUTINES + 1  # with the spare
# Slow enough that dispatch is visibly in progress when the kill lands; a claimed batch
# (100 posts, 8 at a time) still takes well under half the lease.
POST_DELAY_SECONDS = 0.1
LEASE_SECONDS = 5
KILL_AFTER_VICTIM_POSTS = 100
CLAIM_BATCH = 100  # routines.engine.dispatch.Dispatcher batch_size


def test_a_thousand_due_occurrences_are_each_posted_exactly_once(posted_stack: Stack) -> None:
    per_occurrence = posted_stack.slack.posts_per_occurrence()  # 1,101 on the shared stack
    assert posted_stack.db.count_occurrences() == POSTED
    assert len(per_occurrence) == POSTED
    assert [o for o, n in per_occurrence.items() if n > 1] == []
    by_replica = posted_stack.slack.by_replica
    print(f"\nposts per replica: {sorted(k for k in by_replica.items() if k[0][1] == POST)}")


def test_a_replica_killed_mid_dispatch_loses_nothing_and_doubles_only_its_posts_in_flight(
    stack: Stack,
) -> None:
    slack, db = stack.slack, stack.db
    slack.post_delay = POST_DELAY_SECONDS
    cluster = stack.start_cluster(GDPRBOT_CLAIM_LEASE_SECONDS=LEASE_SECONDS)
    victim = cluster.replicas[0]
    poll_until(
        lambda: slack.by_replica[(victim.index, "chat.postMessage")] >= KILL_AFTER_VICTIM_POSTS,
        90,
        "the victim replica to be dispatching",
    )
    in_flight_at_kill = slack.unanswered[victim.index]
    victim.kill()

    poll_progress(stack.posted_count, DUE, 60, "every occurrence posted after the takeover")
    poll_until(lambda: stack.all_posted(DUE), 60, "every post answered after the takeover")

    owner = f"{socket.gethostname()}:{victim.process.pid}:"
    victim_posted = {p.occurrence_id for p in slack.routine_posts() if p.replica == victim.index}
    # The crash window: posted at Slack by the victim, never recorded as sent by it.
    window = victim_posted - db.sent_occurrences_by(owner)
    duplicates = {o for o, n in slack.posts_per_occurrence().items() if n > 1}
    print(
        f"\nkilled replica {victim.index} after {len(victim_posted)} posts; "
        f"{in_flight_at_kill} unanswered at the kill; window {len(window)}; "
        f"duplicates {len(duplicates)}"
    )
    assert len(slack.posts_per_occurrence()) == DUE  # nothing lost
    assert duplicates <= window  # doubled only what the victim had in flight
    assert len(window) <= CLAIM_BATCH
