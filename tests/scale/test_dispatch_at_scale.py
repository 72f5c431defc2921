"""Three replicas dispatch 1,000 occurrences that fall due at once: each is posted once,
and a replica killed mid-dispatch loses nothing (duplicates only inside the crash window)."""

from __future__ import annotations

import socket

from tests.scale.cluster import poll_until
from tests.scale.conftest import ROUTINES, SCALE, StartCluster
from tests.scale.database import ScaleDatabase
from tests.scale.servers import ScaleSlackApi

pytestmark = SCALE

# Slow enough that dispatch is visibly in progress when the kill lands; a claimed batch
# (100 posts, 8 at a time) still takes well under the 3 s lease.
POST_DELAY_SECONDS = 0.1
KILL_AFTER_POSTS = 300


def all_posted(slack: ScaleSlackApi, db: ScaleDatabase) -> bool:
    return (
        len(slack.posts_per_occurrence()) >= ROUTINES
        and db.posts_marked_sent() >= ROUTINES
        and sum(slack.unanswered.values()) == 0
    )


def test_a_thousand_due_occurrences_are_each_posted_exactly_once(
    start_cluster: StartCluster, slack: ScaleSlackApi, db: ScaleDatabase
) -> None:
    cluster = start_cluster()
    poll_until(lambda: all_posted(slack, db), 90, f"{ROUTINES} posts marked sent")

    per_occurrence = slack.posts_per_occurrence()
    assert db.count_occurrences() == ROUTINES
    assert len(per_occurrence) == ROUTINES
    assert [o for o, n in per_occurrence.items() if n > 1] == []
    by_replica = {r.index: slack.by_replica[(r.index, "chat.postMessage")] for r in cluster.replicas}
    print(f"\nposts per replica: {by_replica}")


def test_a_replica_killed_mid_dispatch_loses_nothing_and_doubles_only_its_posts_in_flight(
    start_cluster: StartCluster, slack: ScaleSlackApi, db: ScaleDatabase
) -> None:
    slack.post_delay = POST_DELAY_SECONDS
    cluster = start_cluster()
    victim = cluster.replicas[0]
    poll_until(
        lambda: slack.by_replica[(victim.index, "chat.postMessage")] >= KILL_AFTER_POSTS // 3,
        60,
        "the victim replica to be dispatching",
    )
    in_flight_at_kill = slack.unanswered[victim.index]
    victim.kill()

    poll_until(lambda: all_posted(slack, db), 60, "every occurrence posted after the takeover")

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
    assert len(slack.posts_per_occurrence()) == ROUTINES  # nothing lost
    assert duplicates <= window  # doubles only what the victim had in flight
    assert len(window) <= 100  # at most one claimed batch (routines.reminders batch_size)
