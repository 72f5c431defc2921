"""Fixtures of the platform tests."""

from __future__ import annotations

import logging

import pytest

from bot.logs import NOISY_LOGGERS


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record the bot's own loggers make at DEBUG; third-party libraries at WARNING,
    as `gdpr-bot run` configures them (their DEBUG lines echo whole requests)."""
    for noisy in NOISY_LOGGERS:
        caplog.set_level(logging.WARNING, logger=noisy)
    # Last: every set_level also sets the capturing handler's level, which must be DEBUG
    # (the other way round it stayed at WARNING and no INFO line of the bot was checked).
    caplog.set_level(logging.DEBUG)
    return caplog
