"""The routine catalogue: YAML files in, validated frozen `Routine` values out.

Shipped defaults live in `routines/catalog/default.yaml`; an installation adds routines or
overrides fields of shipped ones by `id` in its own files (GDPRBOT_ROUTINES_FILE). A file
may carry `defaults:` (e.g. post_to, assignees, escalate) applied to every routine that
leaves those fields out, shipped ones included (so one file can route all routines).
Every problem is reported as `path:line: field: problem`; the bot refuses to start on any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from routines.catalog.routine import (
    Catalog,
    CatalogError,
    Routine,
)
from routines.catalog.validation import LineMap, Problems, line_of, routine_from
from storage.clock import DEFAULT_TIMEZONE

DEFAULT_FILE = Path(__file__).with_name("default.yaml")
# Where a routine goes when neither it nor any file's `defaults:` says: the console.
BUILTIN_DEFAULTS: Mapping[str, Any] = {
    "post_to": [{"platform": "console", "channel": "gdpr"}],
    "assignees": "channel",
}
DEFAULTABLE = frozenset({"post_to", "assignees", "escalate", "timezone", "time", "remind"})


class _RepeatedKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping: YAML would silently keep the second value."""

    def __init__(self, key: str, first: int, mark: yaml.Mark) -> None:
        super().__init__(None, None, f"repeated key (first on line {first})", mark)
        self.key = key


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _value in node.value:
            key = str(key_node.value)
            if key in seen:
                raise _RepeatedKey(key, seen[key], key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        mapping = LineMap(
            {str(k): v for k, v in super().construct_mapping(node, deep=True).items()}
        )
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


def _read(path: Path, problems: Problems) -> tuple[list[LineMap], LineMap]:
    text = ""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = yaml.load(text, Loader=_LineLoader)
    except OSError as exc:
        problems.add(1, "file", f"cannot read: {exc.strerror or exc}")
        return [], LineMap()
    except UnicodeDecodeError as exc:
        problems.add(raw[: exc.start].count(b"\n") + 1, "file", "is not UTF-8 text")
        return [], LineMap()
    except _RepeatedKey as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        problems.add(line, exc.key, str(exc.problem))
        return [], LineMap()
    except yaml.YAMLError as exc:
        problems.add(*_yaml_problem(exc, text))
        return [], LineMap()
    if isinstance(data, list):
        data = LineMap(routines=data)
        data.line = 1
    if not isinstance(data, LineMap) or not isinstance(data.get("routines", []), list):
        problems.add(1, "routines", "expected a mapping with a 'routines:' list")
        return [], LineMap()
    for key in data:
        if key not in {"routines", "defaults"}:
            problems.add(line_of(data, key), key, "unknown top-level field")
    defaults = data.get("defaults") or LineMap()
    if not isinstance(defaults, LineMap):
        problems.add(line_of(data, "defaults"), "defaults", "expected a mapping")
        defaults = LineMap()
    for key in defaults:
        if key not in DEFAULTABLE:
            problems.add(line_of(defaults, key), f"defaults.{key}", "cannot have a default")
    entries: list[LineMap] = []
    for item in data.get("routines") or []:
        if not isinstance(item, LineMap):
            problems.add(line_of(data, "routines"), "routines", "each routine must be a mapping")
            continue
        entries.append(item)
    return entries, defaults


def _yaml_problem(exc: yaml.YAMLError, text: str) -> tuple[int, str, str]:
    """(line, field, problem) of a YAML syntax error, on one line. A reader error (a
    control character) has no mark, only a character position."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    position = getattr(exc, "position", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(position, int):
        line = text[:position].count("\n") + 1
    else:
        line = 1
    reason = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return line, "yaml", str(reason)


def load_catalog(
    paths: Iterable[Path] = (),
    *,
    include_default: bool = True,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> Catalog:
    """Shipped defaults plus `paths`: an installation file overrides shipped routines by id.

    The same id in two installation files is an error (which one should win is unclear).
    """
    files = ([DEFAULT_FILE] if include_default else []) + list(paths)
    problems: list[str] = []
    merged: dict[str, tuple[Path, LineMap]] = {}
    owner: dict[str, str] = {}
    all_defaults: dict[str, Any] = {}  # later files win; fills keys a routine leaves out
    for path in files:
        file_problems = Problems(path)
        entries, defaults = _read(path, file_problems)
        seen: dict[str, int] = {}
        for entry in entries:
            routine_id = entry.get("id")
            if not isinstance(routine_id, str) or not routine_id.strip():
                file_problems.add(entry.line, "id", "missing (every routine needs an id)")
                continue
            if routine_id in seen:
                file_problems.add(
                    line_of(entry, "id"), "id",
                    f"duplicate id {routine_id!r} (first defined on line {seen[routine_id]})",
                )  # fmt: skip
                continue
            seen[routine_id] = line_of(entry, "id")
            if path != DEFAULT_FILE and routine_id in owner:
                file_problems.add(
                    line_of(entry, "id"),
                    "id",
                    f"overlapping id {routine_id!r} (also in {owner[routine_id]})",
                )
                continue
            if path != DEFAULT_FILE:
                owner[routine_id] = f"{path}:{line_of(entry, 'id')}"
            previous = merged[routine_id][1] if routine_id in merged else LineMap()
            combined = LineMap({**previous, **entry})
            combined.line = entry.line
            combined.key_lines = {**getattr(previous, "key_lines", {}), **entry.key_lines}
            merged[routine_id] = (path, combined)
        # a key that cannot have a default is that file's problem (said above), not one
        # "unknown field" per routine it would reach, shipped ones included
        all_defaults.update({k: v for k, v in defaults.items() if k in DEFAULTABLE})
        problems.extend(file_problems.items)
    fallback = {**BUILTIN_DEFAULTS, **all_defaults}
    routines: list[Routine] = []
    for path, entry in merged.values():
        for key, value in fallback.items():
            if key == "post_to" and entry.get("kind") == "training":
                continue  # a campaign goes to each person in private, not to a channel
            entry.setdefault(key, value)
        file_problems = Problems(path)
        routine = routine_from(entry, file_problems, default_timezone)
        problems.extend(file_problems.items)
        if routine is not None:
            routines.append(routine)
    if problems:
        raise CatalogError(problems)
    return Catalog(tuple(routines))


def check_files(paths: Sequence[Path], *, default_timezone: str = DEFAULT_TIMEZONE) -> list[str]:
    """Validate installation files on top of the shipped catalogue; [] when all is well."""
    try:
        load_catalog(
            [p for p in paths if p.resolve() != DEFAULT_FILE.resolve()],
            default_timezone=default_timezone,
        )
    except CatalogError as exc:
        return exc.problems
    return []
