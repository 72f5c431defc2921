"""The shape of a Slack request, checked at the edge before bolt or the bot reads it.

Only the fields the bot (and bolt's routing) reads are described; anything else may be
there and is ignored. A signed request whose fields have the wrong type (an `event`
that is a string, `actions` that are not objects, a `view` that is a list) is a client
error: `problem(...)` names the first bad field, and the front end answers 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Event(_Loose):
    type: StrictStr
    user: StrictStr | dict[str, Any] | None = None
    channel: StrictStr | dict[str, Any] | None = None


class _Envelope(_Loose):
    """A JSON body of the Events API."""

    type: StrictStr
    challenge: StrictStr | None = None
    event: _Event | None = None
    event_id: StrictStr | None = None
    team_id: StrictStr | None = None
    enterprise_id: StrictStr | None = None
    is_enterprise_install: StrictBool | None = None
    authorizations: list[dict[str, Any]] | None = None


class _Callback(_Envelope):
    event: _Event


class _Id(_Loose):
    id: StrictStr | None = None


class _User(_Loose):
    id: StrictStr


class _Action(_Loose):
    action_id: StrictStr
    block_id: StrictStr | None = None
    value: StrictStr | None = None
    action_ts: StrictStr | None = None


class _Container(_Loose):
    type: StrictStr | None = None
    channel_id: StrictStr | None = None
    message_ts: StrictStr | None = None


class _Message(_Loose):
    ts: StrictStr | None = None
    thread_ts: StrictStr | None = None


class _State(_Loose):
    values: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)


class _View(_Loose):
    id: StrictStr | None = None
    type: StrictStr | None = None
    callback_id: StrictStr | None = None
    private_metadata: StrictStr | None = None
    state: _State | None = None


# Objects that, when present, must not be null. Not `team` and `enterprise`: Slack sends
# `"enterprise": null` on every interaction outside Enterprise Grid (and `"team": null`
# for an organisation-wide install), and bolt reads both null-safely.
_OBJECTS = ("user", "channel", "container", "message", "view", "actions")


class _Interaction(_Loose):
    """The `payload` field of an interactive request (clicks, modal submits)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """bolt reads these with `body.get(key, {})`: present means an object, never null."""
        if isinstance(data, dict):
            for key in _OBJECTS:
                if key in data and data[key] is None:
                    raise ValueError(f"{key} is null")
        return data

    type: StrictStr
    user: _User | None = None
    team: _Id | None = None
    enterprise: _Id | None = None
    channel: _Id | None = None
    container: _Container | None = None
    message: _Message | None = None
    view: _View | None = None
    actions: list[_Action] | None = None


class _Click(_Interaction):
    user: _User
    actions: list[_Action] = Field(min_length=1)


class _SubmittedView(_View):
    type: StrictStr


class _Submission(_Interaction):
    user: _User
    view: _SubmittedView


_BY_TYPE: dict[str, type[_Interaction]] = {
    "block_actions": _Click,
    "view_submission": _Submission,
}


@dataclass(frozen=True)
class Decoded:
    """A request body parsed once: checked here, then read by the front end (to store it,
    then to work on it) without parsing its form and JSON again. Read-only."""

    json: Any  # a JSON body (Events API, Socket Mode): its value; None for a form
    form: dict[str, list[str]]  # a form body's fields, blank values kept; {} for JSON
    payload: Any  # the JSON of the form's `payload` (clicks, submits); None without one

    def fields(self) -> dict[str, str]:
        """The form's fields with a value (the first), as `parse_qs` reads them."""
        return {
            key: filled[0]
            for key, values in self.form.items()
            if (filled := [v for v in values if v])
        }


@lru_cache(maxsize=128)  # the same body is checked, stored and worked on within moments
def decode(body: str) -> Decoded:
    if body.lstrip().startswith("{"):
        return Decoded(_json(body), {}, None)
    form = parse_qs(body, keep_blank_values=True)
    payload = _json(form["payload"][0]) if "payload" in form else None
    return Decoded(None, form, payload)


def problem(body: str) -> str | None:
    """None when `body` has the shape the bot reads, else the first bad field."""
    decoded = decode(body)
    if decoded.json is not None:
        envelope = decoded.json
        callback = isinstance(envelope, dict) and envelope.get("type") == "event_callback"
        return _check(_Callback if callback else _Envelope, envelope)
    if "payload" not in decoded.form:
        return None  # a slash command: form fields are strings by construction
    payload = decoded.payload
    kind = payload.get("type") if isinstance(payload, dict) else None
    model = _BY_TYPE.get(kind, _Interaction) if isinstance(kind, str) else _Interaction
    return _check(model, payload)


def rate_limit_notice(body: str) -> bool:
    """Slack's `app_rate_limited`: it is dropping this app's events (over its hourly limit)."""
    envelope = decode(body).json
    return isinstance(envelope, dict) and envelope.get("type") == "app_rate_limited"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


def _check(model: type[BaseModel], data: Any) -> str | None:
    if data is _NOT_JSON:
        return "body: not JSON"
    if not isinstance(data, dict):
        return "body: not an object"
    try:
        model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return None
