"""The `gdpr-bot` command line: `main` and the lazily built typer `app` (see bot/cli/root.py).

One module per command (`bot/cli/<command>.py`); `root` imports only the one being run.
"""

from __future__ import annotations

import sys
from typing import Any

from bot.cli.root import main

__all__ = ["main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        return sys.modules["bot.cli.root"].app
    raise AttributeError(name)
