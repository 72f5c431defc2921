"""The routine catalogue: YAML files in, validated frozen `Routine` values out.

Shipped defaults live in `routines/catalog/default.yaml`; an installation adds routines or
overrides fields of shipped ones by `id` in its own files (GDPRBOT_ROUTINES_FILE). A file
may carry `defaults:` (e.g. post_to, assignees, escalate) applied to every routine that
leaves those fields out, shipped ones included (so one file can route all routines).
Every problem is reported as `path:line: field: problem`; the bot refuses to start on any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from routines.scheduling import Schedule, cron_time_of_day, cron_trigger, parse_every

DEFAULT_FILE = Path(__file__).with_name("catalog") / "default.yaml"
KINDS = frozenset({"plain", "kb_review", "ledger_seal", "knowledge_gaps"})
PLATFORMS = frozenset({"slack", "teams", "console"})
FIELDS = frozenset(
    {
        "id", "kind", "title", "description", "gdpr", "schedule", "time", "timezone",
        "business_days", "start", "post_to", "assignees", "due_days", "remind", "escalate",
        "evidence", "enabled",
    }
)  # fmt: skip
# Where a routine goes when neither it nor any file's `defaults:` says: the console.
BUILTIN_DEFAULTS: Mapping[str, Any] = {
    "post_to": [{"platform": "console", "channel": "gdpr"}],
    "assignees": "channel",
}
DEFAULTABLE = frozenset({"post_to", "assignees", "escalate", "timezone", "time", "remind"})


@dataclass(frozen=True)
class Target:
    """A channel or person on one platform; `address` as written (id, name or e-mail)."""

    platform: str
    kind: Literal["channel", "person"]
    address: str


@dataclass(frozen=True)
class Assignees:
    people: tuple[Target, ...] = ()
    anyone_in_channel: bool = False
    confirm: Literal["any", "all"] = "any"


@dataclass(frozen=True)
class Remind:
    before: tuple[int, ...] = ()  # days before the due date
    every: int | None = None  # days between re-reminders once overdue


@dataclass(frozen=True)
class Escalate:
    after_days: int
    to: tuple[Target, ...]


@dataclass(frozen=True)
class Routine:
    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    schedule: Schedule
    assignees: Assignees
    kind: str = "plain"
    gdpr: tuple[str, ...] = ()
    time: time = time(9, 0)
    timezone: str = "Europe/Stockholm"
    business_days: bool = False
    start: date | None = None
    post_to: tuple[Target, ...] = ()
    due_days: int = 0
    remind: Remind = field(default_factory=Remind)
    escalate: Escalate | None = None
    evidence: Literal["none", "optional", "required"] = "none"
    enabled: bool = True
    source: str = ""  # path:line where it was defined (last override)

    def text(self, which: Mapping[str, str], lang: str) -> str:
        return which.get(lang) or which.get("sv") or which.get("en") or self.id


@dataclass(frozen=True)
class Catalog:
    routines: tuple[Routine, ...]
    _by_id: Mapping[str, Routine] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the dispatcher looks routines up once per outbox row: keep it O(1)
        object.__setattr__(self, "_by_id", {r.id: r for r in self.routines})

    def get(self, routine_id: str) -> Routine | None:
        return self._by_id.get(routine_id)

    @property
    def enabled(self) -> tuple[Routine, ...]:
        return tuple(r for r in self.routines if r.enabled)


class CatalogError(Exception):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = _Map({str(k): v for k, v in super().construct_mapping(node, deep=True).items()})
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {str(key.value): key.start_mark.line + 1 for key, _value in node.value}
        return mapping

    def construct_timestamp(self, node: yaml.ScalarNode) -> Any:
        # 2027-13-01 looks like a date to YAML but is not one: keep the text, so the
        # validator can say which field holds a bad date instead of crashing.
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return str(node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_timestamp)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_mapping,
)


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int, name: str, problem: str) -> None:
        self.items.append(f"{self.path}:{line}: {name}: {problem}")


def _line(mapping: Any, key: str) -> int:
    if isinstance(mapping, _Map):
        return getattr(mapping, "key_lines", {}).get(key, mapping.line)
    return 0


def _read(path: Path, problems: _Problems) -> tuple[list[_Map], _Map]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as exc:
        problems.add(0, "file", f"cannot read: {exc.strerror or exc}")
        return [], _Map()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add((mark.line + 1) if mark else 0, "yaml", str(getattr(exc, "problem", exc)))
        return [], _Map()
    if isinstance(data, list):
        data = _Map(routines=data)
    if not isinstance(data, _Map) or not isinstance(data.get("routines", []), list):
        problems.add(1, "routines", "expected a mapping with a 'routines:' list")
        return [], _Map()
    for key in data:
        if key not in {"routines", "defaults"}:
            problems.add(_line(data, key), key, "unknown top-level field")
    defaults = data.get("defaults") or _Map()
    if not isinstance(defaults, _Map):
        problems.add(_line(data, "defaults"), "defaults", "expected a mapping")
        defaults = _Map()
    for key in defaults:
        if key not in DEFAULTABLE:
            problems.add(_line(defaults, key), f"defaults.{key}", "cannot have a default")
    entries: list[_Map] = []
    for item in data.get("routines") or []:
        if not isinstance(item, _Map):
            problems.add(_line(data, "routines"), "routines", "each routine must be a mapping")
            continue
        entries.append(item)
    return entries, defaults


def load_catalog(
    paths: Iterable[Path] = (),
    *,
    include_default: bool = True,
    default_timezone: str = "Europe/Stockholm",
) -> Catalog:
    """Shipped defaults plus `paths`: an installation file overrides shipped routines by id.

    The same id in two installation files is an error (which one should win is unclear).
    """
    files = ([DEFAULT_FILE] if include_default else []) + list(paths)
    problems: list[str] = []
    merged: dict[str, tuple[Path, _Map]] = {}
    owner: dict[str, str] = {}
    all_defaults: dict[str, Any] = {}  # later files win; fills keys a routine leaves out
    for path in files:
        file_problems = _Problems(path)
        entries, defaults = _read(path, file_problems)
        seen: dict[str, int] = {}
        for entry in entries:
            routine_id = entry.get("id")
            if not isinstance(routine_id, str) or not routine_id.strip():
                file_problems.add(entry.line, "id", "missing (every routine needs an id)")
                continue
            if routine_id in seen:
                file_problems.add(
                    _line(entry, "id"), "id",
                    f"duplicate id {routine_id!r} (first defined on line {seen[routine_id]})",
                )  # fmt: skip
                continue
            seen[routine_id] = _line(entry, "id")
            if path != DEFAULT_FILE and routine_id in owner:
                file_problems.add(
                    _line(entry, "id"),
                    "id",
                    f"overlapping id {routine_id!r} (also in {owner[routine_id]})",
                )
                continue
            if path != DEFAULT_FILE:
                owner[routine_id] = f"{path}:{_line(entry, 'id')}"
            previous = merged[routine_id][1] if routine_id in merged else _Map()
            combined = _Map({**previous, **entry})
            combined.line = entry.line
            combined.key_lines = {**getattr(previous, "key_lines", {}), **entry.key_lines}
            merged[routine_id] = (path, combined)
        all_defaults.update(defaults)
        problems.extend(file_problems.items)
    fallback = {**BUILTIN_DEFAULTS, **all_defaults}
    routines: list[Routine] = []
    for path, entry in merged.values():
        for key, value in fallback.items():
            entry.setdefault(key, value)
        file_problems = _Problems(path)
        routine = _routine(entry, file_problems, default_timezone)
        problems.extend(file_problems.items)
        if routine is not None:
            routines.append(routine)
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(routines))


def check_files(paths: Sequence[Path], *, default_timezone: str = "Europe/Stockholm") -> list[str]:
    """Validate installation files on top of the shipped catalogue; [] when all is well."""
    try:
        load_catalog(
            [p for p in paths if p.resolve() != DEFAULT_FILE.resolve()],
            default_timezone=default_timezone,
        )
    except CatalogError as exc:
        return exc.problems
    return []


def _texts(entry: _Map, key: str, p: _Problems, *, required: bool) -> dict[str, str]:
    value = entry.get(key)
    if value is None:
        if required:
            p.add(entry.line, key, "missing (give sv and en)")
        return {}
    if isinstance(value, str):
        return {"sv": value, "en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        p.add(_line(entry, key), key, "expected {sv: ..., en: ...}")
        return {}
    unknown = set(value) - {"sv", "en"}
    if unknown:
        p.add(_line(entry, key), key, f"unknown language(s) {sorted(unknown)} (use sv, en)")
    if "sv" not in value and "en" not in value:
        p.add(_line(entry, key), key, "needs sv and/or en")
    return {k: v.strip() for k, v in value.items() if k in {"sv", "en"}}


def _target(raw: Any, line: int, name: str, p: _Problems) -> Target | None:
    if isinstance(raw, dict):
        line = _line(raw, "platform") or line
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


def _targets(entry: _Map, key: str, p: _Problems) -> tuple[Target, ...]:
    raw = entry.get(key) or []
    if not isinstance(raw, list):
        raw = [raw]
    found = (_target(item, _line(entry, key), f"{key}[{i}]", p) for i, item in enumerate(raw))
    return tuple(t for t in found if t is not None)


def _person(raw: Any, line: int, name: str, default_platform: str, p: _Problems) -> Target | None:
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


def _assignees(entry: _Map, post_to: tuple[Target, ...], p: _Problems) -> Assignees:
    raw, line = entry.get("assignees"), _line(entry, "assignees")
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
                item, _line(raw, "people") or line, f"assignees.people[{i}]", default_platform, p
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


def _schedule(entry: _Map, p: _Problems) -> tuple[Schedule, time | None]:
    raw, line = entry.get("schedule"), _line(entry, "schedule")
    if raw is None:
        p.add(entry.line, "schedule", "missing")
    elif isinstance(raw, str):
        try:
            cron_trigger(raw)
            return Schedule(cron=raw), cron_time_of_day(raw)
        except ValueError as exc:
            p.add(line, "schedule", f"bad cron expression {raw!r}: {exc}")
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
            p.add(_line(raw, "anchor") or line, "schedule.anchor", "expected a date YYYY-MM-DD")
        else:
            try:
                return Schedule(every=parse_every(str(raw.get("every", "")), anchor)), None
            except ValueError as exc:
                p.add(_line(raw, "every") or line, "schedule.every", str(exc))
    else:
        p.add(line, "schedule", "expected a cron string, {every, anchor} or a list of dates")
    return Schedule(), None


def _int(entry: Mapping[str, Any], key: str, name: str, line: int, p: _Problems) -> int | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        p.add(line, name, "expected a whole number of days >= 0")
        return None
    return value


def _time(entry: _Map, p: _Problems) -> time | None:
    raw = entry.get("time")
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):  # YAML 1.1 reads 9:30 as 570
        raw = f"{raw // 60}:{raw % 60:02d}"
    try:
        hour, minute = (int(x) for x in str(raw).split(":"))
        return time(hour, minute)
    except ValueError:
        p.add(_line(entry, "time"), "time", f"expected HH:MM, got {raw!r}")
        return None


def _routine(entry: _Map, p: _Problems, default_timezone: str) -> Routine | None:
    start_count = len(p.items)
    for key in entry:
        if key not in FIELDS:
            p.add(_line(entry, key), key, "unknown field")
    routine_id = str(entry["id"])
    kind = entry.get("kind", "plain")
    if kind not in KINDS:
        p.add(_line(entry, "kind"), "kind", f"expected one of {sorted(KINDS)}")
    timezone = entry.get("timezone", default_timezone)
    try:
        ZoneInfo(str(timezone))
    except (ZoneInfoNotFoundError, ValueError):
        p.add(_line(entry, "timezone"), "timezone", f"unknown time zone {timezone!r}")
    start = entry.get("start")
    if start is not None and not isinstance(start, date):
        p.add(_line(entry, "start"), "start", "expected a date YYYY-MM-DD")
    schedule, cron_time = _schedule(entry, p)
    post_to = _targets(entry, "post_to", p)
    assignees = _assignees(entry, post_to, p)
    if not post_to and not assignees.people:
        p.add(entry.line, "post_to", "nowhere to post (give post_to or assignee people)")
    remind_raw = entry.get("remind") or {}
    remind = Remind()
    if not isinstance(remind_raw, dict):
        p.add(_line(entry, "remind"), "remind", "expected {before: [days...], every: N}")
    else:
        before = remind_raw.get("before") or []
        line = _line(remind_raw, "before") or _line(entry, "remind")
        if not isinstance(before, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in before
        ):
            p.add(line, "remind.before", "expected a list of whole days > 0")
            before = []
        every = _int(remind_raw, "every", "remind.every", _line(entry, "remind"), p)
        if every == 0:
            p.add(_line(entry, "remind"), "remind.every", "must be at least 1 day")
        remind = Remind(before=tuple(sorted(set(before), reverse=True)), every=every or None)
    escalate = None
    esc_raw = entry.get("escalate")
    if esc_raw is not None:
        if not isinstance(esc_raw, dict) or "after_days" not in esc_raw:
            p.add(_line(entry, "escalate"), "escalate", "expected {after_days: N, to: [...]}")
        else:
            after = _int(esc_raw, "after_days", "escalate.after_days", _line(entry, "escalate"), p)
            to = _targets(esc_raw if isinstance(esc_raw, _Map) else _Map(esc_raw), "to", p)
            if not to:
                p.add(_line(entry, "escalate"), "escalate.to", "escalation target missing")
            escalate = Escalate(after_days=after or 0, to=to)
    evidence = entry.get("evidence", "none")
    if evidence not in {"none", "optional", "required"}:
        p.add(_line(entry, "evidence"), "evidence", "expected none, optional or required")
    gdpr = entry.get("gdpr") or []
    if isinstance(gdpr, str | int | float):
        gdpr = [gdpr]
    due_days = _int(entry, "due_days", "due_days", _line(entry, "due_days"), p) or 0
    enabled = entry.get("enabled", True)
    business_days = entry.get("business_days", False)
    for key, value in (("enabled", enabled), ("business_days", business_days)):
        if not isinstance(value, bool):
            p.add(_line(entry, key), key, "expected true or false")
    title = _texts(entry, "title", p, required=True)
    description = _texts(entry, "description", p, required=False)
    at = _time(entry, p)
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
        source=f"{p.path}:{entry.line}",
    )
