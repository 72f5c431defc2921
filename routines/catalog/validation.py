"""Catalogue entry validation: a YAML mapping (with line numbers) -> `Routine`.

Every problem is collected as `path:line: field: problem`, never raised one by one, so
`gdpr-bot routines check` can list them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routines.catalog.routine import KINDS, PLATFORMS, Assignees, Escalate, Remind, Routine, Target
from routines.catalog.training import training_from
from routines.schedule.rules import Schedule, cron_time_of_day, cron_trigger, parse_every

FIELDS = frozenset(
    {
        "id", "kind", "title", "description", "gdpr", "schedule", "time", "timezone",
        "business_days", "start", "post_to", "assignees", "due_days", "remind", "escalate",
        "evidence", "enabled", "training",
    }
)  # fmt: skip


class LineMap(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int, name: str, problem: str) -> None:
        self.items.append(f"{self.path}:{line}: {name}: {problem}")


def line_of(mapping: Any, key: str) -> int:
    if isinstance(mapping, LineMap):
        return getattr(mapping, "key_lines", {}).get(key, mapping.line)
    return 0


def _texts(entry: LineMap, key: str, p: Problems, *, required: bool) -> dict[str, str]:
    value = entry.get(key)
    if value is None:
        if required:
            p.add(entry.line, key, "missing (give sv and en)")
        return {}
    if isinstance(value, str):
        return {"sv": value, "en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        p.add(line_of(entry, key), key, "expected {sv: ..., en: ...}")
        return {}
    unknown = set(value) - {"sv", "en"}
    if unknown:
        p.add(line_of(entry, key), key, f"unknown language(s) {sorted(unknown)} (use sv, en)")
    if "sv" not in value and "en" not in value:
        p.add(line_of(entry, key), key, "needs sv and/or en")
    return {k: v.strip() for k, v in value.items() if k in {"sv", "en"}}


def _target(raw: Any, line: int, name: str, p: Problems) -> Target | None:
    if isinstance(raw, dict):
        line = line_of(raw, "platform") or line
        platform = raw.get("platform")
        extra = set(raw) - {"platform", "channel", "person"}
        if extra:
            p.add(line, name, f"unknown field(s) {sorted(extra)}")
        if platform not in PLATFORMS:
            p.add(line, f"{name}.platform", f"expected one of {sorted(PLATFORMS)}")
            return None
        for kind in ("channel", "person"):
            if isinstance(raw.get(kind), str) and raw[kind].strip():
                return Target(platform, kind, raw[kind].strip())
        p.add(line, name, "needs a channel or a person")
        return None
    p.add(line, name, "expected {platform: ..., channel: ...} or {platform: ..., person: ...}")
    return None


def _targets(entry: LineMap, key: str, p: Problems) -> tuple[Target, ...]:
    raw = entry.get(key) or []
    if not isinstance(raw, list):
        raw = [raw]
    found = (_target(item, line_of(entry, key), f"{key}[{i}]", p) for i, item in enumerate(raw))
    return tuple(t for t in found if t is not None)


def _person(raw: Any, line: int, name: str, default_platform: str, p: Problems) -> Target | None:
    """`slack:U123`, `teams:<aad id>`, `anna@example.com` or {platform, person}."""
    if isinstance(raw, dict):
        target = _target(raw, line, name, p)
        if target and target.kind != "person":
            p.add(line, name, "an assignee is a person, not a channel")
            return None
        return target
    if not isinstance(raw, str) or not raw.strip():
        p.add(line, name, "expected 'platform:user-id', an e-mail or {platform, person}")
        return None
    text = raw.strip()
    platform, sep, address = text.partition(":")
    if sep and platform in PLATFORMS and address:
        return Target(platform, "person", address)
    if "@" in text and not sep:
        return Target(default_platform, "person", text)
    p.add(line, name, f"cannot read {text!r} (use 'slack:U123', 'teams:<id>' or an e-mail)")
    return None


def _assignees(entry: LineMap, post_to: tuple[Target, ...], p: Problems) -> Assignees:
    raw, line = entry.get("assignees"), line_of(entry, "assignees")
    default_platform = post_to[0].platform if post_to else "console"
    if raw is None or raw == [] or raw == {}:
        p.add(entry.line, "assignees", "assignee missing (people, or 'channel')")
        return Assignees()
    if raw == "channel":
        raw = {"channel": True}
    if isinstance(raw, list):
        raw = {"people": raw}
    if not isinstance(raw, dict):
        p.add(line, "assignees", "expected 'channel', a list of people or {people, confirm}")
        return Assignees()
    extra = set(raw) - {"people", "channel", "confirm"}
    if extra:
        p.add(line, "assignees", f"unknown field(s) {sorted(extra)}")
    confirm = raw.get("confirm", "any")
    if confirm not in {"any", "all"}:
        p.add(line, "assignees.confirm", "expected any or all")
        confirm = "any"
    anyone = raw.get("channel") is True
    before_people = len(p.items)
    people_raw = raw.get("people") or []
    if not isinstance(people_raw, list):
        people_raw = [people_raw]
    people = tuple(
        t
        for i, item in enumerate(people_raw)
        if (
            t := _person(
                item, line_of(raw, "people") or line, f"assignees.people[{i}]", default_platform, p
            )
        )
    )
    if not anyone and not people and len(p.items) == before_people:
        p.add(line, "assignees", "assignee missing (people, or 'channel')")
    if anyone and confirm == "all":
        p.add(line, "assignees.confirm", "'all' needs named people, not the whole channel")
    if anyone and not post_to:
        p.add(line, "assignees", "'channel' needs a post_to channel")
    return Assignees(people=people, anyone_in_channel=anyone, confirm=confirm)


def _schedule(entry: LineMap, p: Problems) -> tuple[Schedule, time | None]:
    raw, line = entry.get("schedule"), line_of(entry, "schedule")
    if raw is None:
        p.add(entry.line, "schedule", "missing")
    elif isinstance(raw, str):
        try:
            cron_trigger(raw)
            at = cron_time_of_day(raw)
        except ValueError as exc:
            p.add(line, "schedule", f"bad cron expression {raw!r}: {exc}")
        else:
            if at is not None:
                return Schedule(cron=raw), at
            p.add(line, "schedule", f"cron expression {raw!r} never fires (no such date)")
    elif isinstance(raw, list):
        bad = [d for d in raw if not isinstance(d, date)]
        if bad or not raw:
            p.add(line, "schedule", f"bad date(s) {bad!r} (use YYYY-MM-DD)" if bad else "empty")
        else:
            return Schedule(dates=tuple(sorted(set(raw)))), None
    elif isinstance(raw, dict):
        extra = set(raw) - {"every", "anchor"}
        if extra:
            p.add(line, "schedule", f"unknown field(s) {sorted(extra)}")
        anchor = raw.get("anchor")
        if not isinstance(anchor, date):
            p.add(line_of(raw, "anchor") or line, "schedule.anchor", "expected a date YYYY-MM-DD")
        else:
            try:
                return Schedule(every=parse_every(str(raw.get("every", "")), anchor)), None
            except ValueError as exc:
                p.add(line_of(raw, "every") or line, "schedule.every", str(exc))
    else:
        p.add(line, "schedule", "expected a cron string, {every, anchor} or a list of dates")
    return Schedule(), None


def _int(entry: Mapping[str, Any], key: str, name: str, line: int, p: Problems) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        p.add(line, name, "expected a whole number of days >= 0")
        return None
    return value


def _time(entry: LineMap, p: Problems) -> time | None:
    raw = entry.get("time")
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):  # YAML 1.1 reads 9:30 as 570
        raw = f"{raw // 60}:{raw % 60:02d}"
    try:
        hour, minute = (int(x) for x in str(raw).split(":"))
        return time(hour, minute)
    except ValueError:
        p.add(line_of(entry, "time"), "time", f"expected HH:MM, got {raw!r}")
        return None


def routine_from(entry: LineMap, p: Problems, default_timezone: str) -> Routine | None:
    start_count = len(p.items)
    for key in entry:
        if key not in FIELDS:
            p.add(line_of(entry, key), key, "unknown field")
    routine_id = str(entry["id"])
    kind = entry.get("kind", "plain")
    if kind not in KINDS:
        p.add(line_of(entry, "kind"), "kind", f"expected one of {sorted(KINDS)}")
    timezone = entry.get("timezone", default_timezone)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        p.add(line_of(entry, "timezone"), "timezone", f"unknown time zone {timezone!r}")
    start = entry.get("start")
    if start is not None and not isinstance(start, date):
        p.add(line_of(entry, "start"), "start", "expected a date YYYY-MM-DD")
    schedule, cron_time = _schedule(entry, p)
    post_to = _targets(entry, "post_to", p)
    assignees = _assignees(entry, post_to, p)
    if not post_to and not assignees.people:
        p.add(entry.line, "post_to", "nowhere to post (give post_to or assignee people)")
    remind_raw = entry.get("remind") or {}
    remind = Remind()
    if not isinstance(remind_raw, dict):
        p.add(line_of(entry, "remind"), "remind", "expected {before: [days...], every: N}")
    else:
        before = remind_raw.get("before") or []
        line = line_of(remind_raw, "before") or line_of(entry, "remind")
        if not isinstance(before, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in before
        ):
            p.add(line, "remind.before", "expected a list of whole days > 0")
            before = []
        every = _int(remind_raw, "every", "remind.every", line_of(entry, "remind"), p)
        if every == 0:
            p.add(line_of(entry, "remind"), "remind.every", "must be at least 1 day")
        remind = Remind(before=tuple(sorted(set(before), reverse=True)), every=every or None)
    escalate = None
    esc_raw = entry.get("escalate")
    if esc_raw is not None:
        if not isinstance(esc_raw, dict) or "after_days" not in esc_raw:
            p.add(line_of(entry, "escalate"), "escalate", "expected {after_days: N, to: [...]}")
        else:
            after = _int(
                esc_raw, "after_days", "escalate.after_days", line_of(entry, "escalate"), p
            )
            to = _targets(esc_raw if isinstance(esc_raw, LineMap) else LineMap(esc_raw), "to", p)
            if not to:
                p.add(line_of(entry, "escalate"), "escalate.to", "escalation target missing")
            escalate = Escalate(after_days=after or 0, to=to)
    evidence = entry.get("evidence", "none")
    if evidence not in {"none", "optional", "required"}:
        p.add(line_of(entry, "evidence"), "evidence", "expected none, optional or required")
    gdpr = entry.get("gdpr") or []
    if isinstance(gdpr, str | int | float):
        gdpr = [gdpr]
    due_days = _int(entry, "due_days", "due_days", line_of(entry, "due_days"), p) or 0
    enabled = entry.get("enabled", True)
    business_days = entry.get("business_days", False)
    for key, value in (("enabled", enabled), ("business_days", business_days)):
        if not isinstance(value, bool):
            p.add(line_of(entry, key), key, "expected true or false")
    title = _texts(entry, "title", p, required=True)
    description = _texts(entry, "description", p, required=False)
    at = _time(entry, p)
    training = None
    if kind == "training":
        training = training_from(
            entry.get("training"),
            lambda name, problem: p.add(line_of(entry, "training") or entry.line, name, problem),
        )
        if assignees.anyone_in_channel and assignees.people:
            p.add(
                line_of(entry, "assignees"),
                "assignees",
                "a training audience is named people or 'channel' (its members), not both",
            )
        elif not assignees.anyone_in_channel and assignees.confirm != "all":
            p.add(
                line_of(entry, "assignees"),
                "assignees",
                "a training routine needs named people and confirm: all, or 'channel' "
                "(each person passes their own quiz)",
            )
    elif "training" in entry:
        p.add(line_of(entry, "training"), "training", "only for kind: training")
    if len(p.items) > start_count:
        return None
    return Routine(
        id=routine_id,
        kind=str(kind),
        title=title,
        description=description,
        gdpr=tuple(str(g) for g in gdpr),
        schedule=schedule,
        time=at or cron_time or time(9, 0),
        timezone=str(timezone),
        business_days=bool(business_days),
        start=start,
        post_to=post_to,
        assignees=assignees,
        due_days=due_days,
        remind=remind,
        escalate=escalate,
        evidence=evidence,
        enabled=bool(enabled),
        training=training,
        source=f"{p.path}:{entry.line}",
    )


def contact_target(text: str, default_platform: str = "slack") -> Target | None:
    """A person named in settings (e.g. a compliance officer): `slack:U123`, `teams:<id>`,
    an e-mail, a bare Slack user id (`U…`/`W…`) or a bare Teams AAD object id (a GUID)."""
    text = text.strip()
    platform, sep, address = text.partition(":")
    if sep and platform in PLATFORMS and address:
        return Target(platform, "person", address)
    if "@" in text and not sep:
        return Target(default_platform, "person", text)
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", text):
        return Target("slack", "person", text)
    if re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", text):
        return Target("teams", "person", text)
    return None
