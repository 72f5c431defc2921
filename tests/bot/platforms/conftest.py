"""Fixtures of the platform tests."""

from __future__ import annotations

import logging

import pytest

from bot.logs import NOISY_LOGGERS


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record the bot's own loggers make at DEBUG; third-party libraries at WARNING,
    as `gdpr-bot run` configures them (their DEBUG lines echo whole requests)."""
    caplog.set_level(logging.DEBUG)
    for noisy in NOISY_LOGGERS:
        caplog.set_level(logging.WARNING, logger=noisy)
    return caplog
