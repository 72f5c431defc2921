"""Run the CLI in-process, as the `report` and `audit` tests do."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from bot.cli import app


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))
