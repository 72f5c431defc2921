"""Replicas starting together record routines' first sighting without deadlocking.

Each replica's first tick inserts the `routine_first_seen` rows it does not find; three
doing so at once, each listing the routines in its own order, must all succeed and agree.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime

import pytest
from sqlalchemy import Engine, delete

from routines.engine.models import RoutineFirstSeen
from routines.engine.occurrences import first_seen
from storage.sessions import session_factory, transaction
from tests.routines.routine_env import at

IDS = [f"routine-{n:02}" for n in range(30)]


def _start_together(engine: Engine, orders: list[list[str]]) -> list[dict[str, datetime]]:
    sessions = session_factory(engine)
    barrier = threading.Barrier(len(orders))
    results: list[dict[str, datetime] | BaseException] = [{} for _ in orders]

    def replica(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            with transaction(sessions) as session:
                results[index] = first_seen(session, orders[index], at("2027-01-04 09:00"))
        except BaseException as error:  # handed to the test thread below
            results[index] = error

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(len(orders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures
    return [r for r in results if isinstance(r, dict)]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_three_replicas_record_first_sightings_at_once_ten_times(engine: Engine) -> None:
    rng = random.Random(14)
    for _ in range(10):
        with transaction(session_factory(engine)) as session:
            session.execute(delete(RoutineFirstSeen))
        orders = [IDS, IDS[::-1], rng.sample(IDS, len(IDS))]

        seen = _start_together(engine, orders)

        assert all(sorted(result) == IDS for result in seen)
        assert seen[0] == seen[1] == seen[2]
