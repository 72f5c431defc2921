"""`gdpr-bot routines ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="routines commands.", no_args_is_help=True)
