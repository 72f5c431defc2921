"""The composition root: one scheduler per process carries every job, and runs with the bot."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.app import build_services
from bot.config import Settings, SettingsError
from knowledge import KnowledgeBase
from routines.ledger.keys import NO_KEY_WARNING, LedgerKeys, current_keys, key_id_for, use_keys

KEY = "k" * 64


async def test_one_scheduler_carries_the_routine_and_privacy_jobs(
    bot_settings: Settings, test_knowledge: KnowledgeBase
) -> None:
    settings = bot_settings.model_copy(update={"scheduler_enabled": True})
    services = build_services(settings, knowledge_base=test_knowledge)
    ids = {job.id for job in services.scheduler.get_jobs()}
    assert {"routines:safety-tick", "privacy-startup", "privacy-daily"} <= ids
    assert any(job_id.startswith("routine:") for job_id in ids)

    await services.start()
    try:
        assert services.scheduler.running
    finally:
        await services.close()
    assert not services.scheduler.running


def test_without_the_scheduler_setting_nothing_is_started(
    bot_settings: Settings, test_knowledge: KnowledgeBase
) -> None:
    services = build_services(bot_settings, knowledge_base=test_knowledge)
    assert not bot_settings.scheduler_enabled
    assert services.start_scheduler not in services.startup
    services.engine.dispose()


@pytest.fixture
def no_keys_after() -> Iterator[None]:
    """The ledger keys are the process's: put back "none" for the tests that follow."""
    yield
    use_keys(LedgerKeys())


def test_the_bot_signs_its_ledger_entries_with_the_configured_key(
    bot_settings: Settings, test_knowledge: KnowledgeBase, no_keys_after: None
) -> None:
    settings = bot_settings.model_copy(update={"ledger_key": KEY})
    services = build_services(settings, knowledge_base=test_knowledge)
    services.engine.dispose()

    assert current_keys().signing == key_id_for(KEY.encode())


def test_a_start_without_a_ledger_key_warns_loudly(
    bot_settings: Settings,
    test_knowledge: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
    no_keys_after: None,
) -> None:
    with caplog.at_level(logging.WARNING):
        services = build_services(bot_settings, knowledge_base=test_knowledge)
    services.engine.dispose()

    assert NO_KEY_WARNING in caplog.messages


def test_a_ledger_key_too_short_stops_the_start_naming_the_problem(
    bot_settings: Settings, test_knowledge: KnowledgeBase, no_keys_after: None
) -> None:
    settings = bot_settings.model_copy(update={"ledger_key": "short"})
    with pytest.raises(SettingsError, match="at least 32 characters"):
        build_services(settings, knowledge_base=test_knowledge)
