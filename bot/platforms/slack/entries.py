"""Which raw Slack requests the durable inbox keeps, and under which dedupe key.

A message or mention the bot answers, a button click, a `/gdpr` command and a prompt
submitted with words are stored before Slack gets its 200; everything else goes to bolt."""

from __future__ import annotations

from bot.platforms.slack import shape, translate

COMMAND = "/gdpr"


def inbox_entry(body: str) -> tuple[str, str] | None:
    """(kind, dedupe key) of a request the inbox keeps: a message or mention the bot
    answers, a button click, a prompt submitted with words. None: bolt handles it."""
    decoded = shape.decode(body)  # checked already: parsed then
    if decoded.json is not None:
        envelope = decoded.json
        event, event_id = envelope.get("event"), envelope.get("event_id")
        if envelope.get("type") != "event_callback" or not isinstance(event_id, str):
            return None
        own = translate.bot_user(envelope)
        incoming = translate.message_to_incoming(event, event_id=event_id, bot_user=own)
        return ("message", event_id) if incoming is not None else None
    fields = decoded.fields()
    if not fields.get("payload"):
        command = fields
        if command.get("command") != COMMAND or not command.get("response_url"):
            return None  # bolt answers it (or not: a command this bot does not own)
        incoming = translate.command_to_incoming(command)
        key = incoming.event_id if incoming is not None else None
        return ("command", key) if key else None
    payload = decoded.payload
    if payload.get("type") == "block_actions":
        incoming = translate.action_to_incoming(payload)
        key = incoming.event_id if incoming is not None else None
        return ("action", key) if key else None
    if payload.get("type") == "view_submission" and translate.submission_words(payload):
        incoming = translate.submission_to_incoming(payload)
        key = incoming.event_id if incoming is not None else None
        return ("submission", key) if key else None
    return None
