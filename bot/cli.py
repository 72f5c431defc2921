"""The `gdpr-bot` command line (typer). Sub-commands live in `bot/commands/`."""

from __future__ import annotations

import typer

from bot.commands import ask, audit, chat, db, insights, kb, privacy, report, routines

app = typer.Typer(
    name="gdpr-bot",
    help="gdpr-bot: GDPR answers, routines and evidence in Slack, Teams and the console.",
    no_args_is_help=True,
    add_completion=False,
)

chat.register(app)  # run, chat
ask.register(app)  # ask
app.add_typer(kb.app, name="kb")
app.add_typer(routines.app, name="routines")
app.add_typer(audit.app, name="audit")
report.register(app)  # report
insights.register(app)  # insights
app.add_typer(privacy.app, name="privacy")
app.add_typer(db.app, name="db")


def main() -> None:
    app()
