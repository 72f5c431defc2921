"""The composition root: one scheduler per process carries every job, and runs with the bot."""

from __future__ import annotations

from bot.app import build_services
from bot.config import Settings
from knowledge import KnowledgeBase


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
