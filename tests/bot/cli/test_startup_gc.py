"""While run, chat and ask build the bot the garbage collector is off; once built, what
exists is frozen (later collections never walk it) and the collector is on again."""

from __future__ import annotations

import gc

from bot.cli.startup import no_collection_while_starting


def test_the_collector_is_off_while_starting_and_on_afterwards() -> None:
    assert gc.isenabled()
    with no_collection_while_starting():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_was_built_is_frozen_so_collections_never_walk_it() -> None:
    with no_collection_while_starting():
        built = [["an index entry"]]
    assert not any(tracked is built for tracked in gc.get_objects())


def test_a_failed_start_switches_the_collector_back_on() -> None:
    try:
        with no_collection_while_starting():
            raise SystemExit(2)
    except SystemExit:
        pass
    assert gc.isenabled()
