"""`gdpr-bot run` and `gdpr-bot chat`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
