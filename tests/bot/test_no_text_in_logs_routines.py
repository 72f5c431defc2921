"""Routine actions log no typed words or ids either: a note and a not-applicable reason
carrying a marker (and the person's e-mail), typed into Slack's modal and Teams' card
while every logger runs at DEBUG in JSON and in text format, appear in no log line, nor
do the person's platform ids, although the bot's own lines about the actions do."""

from __future__ import annotations

import io

from routines.engine.models import OccurrenceNote
from routines.ports import ACTION_NOT_APPLICABLE, ACTION_NOTE
from tests.bot.test_no_text_in_logs import logs  # noqa: F401  (the DEBUG capture)
from tests.bot.test_platform_routines import (  # noqa: F401  (fixtures)
    ANNA,
    ANNA_AAD,
    SlackRoutine,
    TeamsRoutine,
    count,
    occurrence,
    slack_routine,
    start_slack_routine,
    start_teams_routine,
    teams_routine,
)

MARKER = "WOMBAT-3319"
NOTE = f"Rensat enligt {MARKER}, fråga anna.wombat@example.se"
REASON = f"Ingen kunddata {MARKER}"


def assert_clean(buffer: io.StringIO, *ids: str) -> None:
    output = buffer.getvalue()
    assert output.strip(), "the capture saw none of the bot's lines"
    for secret in (MARKER, "wombat", *ids):
        leaks = [line for line in output.splitlines() if secret.lower() in line.lower()]
        assert not leaks, f"{secret!r} leaked into the logs:\n" + "\n".join(leaks[:5])


async def test_slack_notes_and_reasons_stay_out_of_the_logs(
    logs: io.StringIO,  # noqa: F811
    slack_routine: SlackRoutine,  # noqa: F811
) -> None:
    await slack_routine.click(ACTION_NOTE)
    [opened] = await slack_routine.slack.wait_for("views.open")
    await slack_routine.submit(opened, NOTE)
    await slack_routine.click(ACTION_NOT_APPLICABLE)
    opened = (await slack_routine.slack.wait_for("views.open", count=2))[-1]
    await slack_routine.submit(opened, REASON)
    await slack_routine.settle()

    sessions = slack_routine.sessions
    assert count(sessions, OccurrenceNote) == 1  # the words really went through the bot
    assert occurrence(sessions, slack_routine.occurrence_id) == ("not_applicable", REASON)
    assert_clean(logs, ANNA)


async def test_teams_notes_and_reasons_stay_out_of_the_logs(
    logs: io.StringIO,  # noqa: F811
    teams_routine: TeamsRoutine,  # noqa: F811
) -> None:
    teams, occurrence_id = teams_routine.teams, teams_routine.occurrence_id
    await teams.click(ACTION_NOTE, str(occurrence_id), on=teams_routine.card_id, note=NOTE)
    await teams.click(
        ACTION_NOT_APPLICABLE, str(occurrence_id), on=teams_routine.card_id, reason=REASON
    )

    sessions = teams_routine.sessions
    assert count(sessions, OccurrenceNote) == 1
    assert occurrence(sessions, occurrence_id) == ("not_applicable", REASON)
    assert_clean(logs, ANNA_AAD, "29:anna", "a:anna", "Anna Andersson")
