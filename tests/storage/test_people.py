"""People: a person seen at once by several replicas gets one row and one key."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from storage.people import Person, person_key_for, person_keys_for
from storage.sessions import session_factory, transaction

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def test_first_sighting_by_three_replicas_at_once_gives_one_key(engine: Engine) -> None:
    sessions = session_factory(engine)
    barrier = threading.Barrier(3)
    keys: list[str | BaseException] = []

    def replica() -> None:
        try:
            barrier.wait(timeout=60)
            with transaction(sessions) as session:
                keys.append(person_key_for(session, "slack", "U0000NEW", NOW))
        except BaseException as error:  # handed to the test thread below
            keys.append(error)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(keys)) == 1 and isinstance(keys[0], str), keys
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_a_known_person_keeps_their_key_and_gets_a_new_name(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        first = person_key_for(session, "teams", "29:abc", NOW, display_name="A")
    with transaction(sessions) as session:
        again = person_key_for(session, "teams", "29:abc", NOW, display_name="B")
        person = session.get(Person, again)
        assert person is not None and person.display_name == "B"
    assert again == first


def test_many_people_at_once_get_the_same_keys_as_one_by_one(engine: Engine) -> None:
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        anna = person_key_for(session, "slack", "UANNA", NOW, display_name="Anna")
    with transaction(sessions) as session:
        keys = person_keys_for(
            session,
            [("slack", "UANNA", "Anna A", None), ("slack", "UBO", "Bo", "bo@example.com")],
            NOW,
        )
    with transaction(sessions) as session:
        bo = person_key_for(session, "slack", "UBO", NOW)
        renamed = session.get(Person, anna)
        assert renamed is not None and renamed.display_name == "Anna A"
    assert keys == {("slack", "UANNA"): anna, ("slack", "UBO"): bo}
