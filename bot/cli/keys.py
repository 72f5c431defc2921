"""The ledger key for one-shot commands: every command that appends to or verifies the
evidence ledger calls `use_ledger_keys` first (the bot itself: `bot.app.build_services`)."""

from __future__ import annotations

import typer

from bot.config import Settings

EXIT_ENVIRONMENT = 2


def use_ledger_keys(settings: Settings) -> bool:
    """GDPRBOT_LEDGER_KEY / _FILE become this process's ledger keys; whether one is set.

    A key that is too short or a key file that cannot be read is a one-line error, exit 2.
    """
    from routines.ledger.keys import LedgerKeyError, configure_keys

    try:
        return configure_keys(settings.ledger_key, settings.ledger_key_file).configured
    except LedgerKeyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ENVIRONMENT) from None
