"""`gdpr-bot run` (server, Socket Mode and console as configured) and `gdpr-bot chat`."""

from __future__ import annotations

import asyncio
import sys

import typer

from bot.cli.errors import broken_files
from bot.cli.startup import no_collection_while_starting
from bot.config import Settings, SettingsError
from bot.logs import configure_logging


def _services_or_exit(settings: Settings) -> object:
    """Build the bot; on a broken knowledge base, catalogue, client directory or settings
    combination print what is wrong (no traceback) and exit non-zero."""
    from bot.app import build_services
    from clients import ClientsError
    from knowledge import KnowledgeError
    from routines.catalog import CatalogError

    try:
        return build_services(settings)
    except KnowledgeError as exc:
        raise broken_files("the knowledge base is broken, the bot will not start",
                           exc.problems, "gdpr-bot kb check") from None  # fmt: skip
    except SettingsError as exc:
        typer.echo(f"Configuration error, the bot will not start: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    except CatalogError as exc:
        raise broken_files("the routine catalogue is broken, the bot will not start",
                           exc.problems, "gdpr-bot routines check") from None  # fmt: skip
    except ClientsError as exc:
        raise broken_files("the client directory is broken, the bot will not start",
                           exc.problems, "gdpr-bot clients check") from None  # fmt: skip


def wants_console(settings: Settings) -> bool:
    """`GDPRBOT_CONSOLE=auto` opens the console only when no chat platform is configured."""
    if settings.console == "auto":
        return not (settings.slack_configured or settings.teams_configured)
    return settings.console == "on"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command("run")
    def run() -> None:
        """Start the bot: HTTP server (Slack, Teams, health), Socket Mode, console as configured."""
        with no_collection_while_starting():
            from bot.app import Services
            from bot.web.server import serve

            settings = Settings()
            console = wants_console(settings)
            # The console shares the terminal with the log: keep the log to warnings then.
            configure_logging("WARNING" if console else settings.log_level, settings.log_format)
            services = _services_or_exit(settings)
        assert isinstance(services, Services)
        asyncio.run(serve(services, console=console))

    @app.command("chat")
    def chat() -> None:
        """Chat with the bot in this terminal (also works piped: echo "fråga" | gdpr-bot chat)."""
        with no_collection_while_starting():
            from bot.app import Services

            settings = Settings()
            configure_logging("WARNING", settings.log_format)
            services = _services_or_exit(settings)
        assert isinstance(services, Services)

        async def main() -> None:
            await services.start()
            try:
                await services.console.run()
            finally:
                await services.close()

        asyncio.run(main())
        sys.stdout.flush()
