"""Read YAML with line numbers and collect every problem as `path:line: field: problem`.

The file is read with `yaml.compose`, as the knowledge loader reads front matter: nodes keep
their line numbers and scalars stay text until a field is converted, so a channel such as
`19:abc@thread.tacv2` or a phone number is never turned into a number behind the author's
back, and a bad value becomes a clear problem instead of a crash in the YAML constructor.

`Fields` wraps one mapping node; its readers (`text`, `texts`, `strings`, `integer`,
`mapping`, `items`) report what is wrong and return None or an empty value, so a caller reads
every field of an entry and ends up with all of its problems in one pass.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

# libyaml when present: same nodes and marks, faster
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file; `str()` is `path:line: field: message` (line is 1-based)."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class FileProblems:
    """The problems found in one file, in the order they were found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def add(self, line: int, field: str, message: str) -> None:
        self.items.append(Problem(self.path, line, field, message))


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def is_null(node: yaml.Node) -> bool:
    """`key:`, `key: ~` and `key: null` (but not a quoted "null")."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def compose_file(path: Path, problems: FileProblems) -> yaml.Node | None:
    """The file's root node, or None (with the reason added to `problems`)."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.add(1, "file", "is not UTF-8 text")
        return None
    except OSError as exc:
        problems.add(1, "file", f"cannot read: {exc.strerror or exc}")
        return None
    try:
        return yaml.compose(source, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        position = getattr(exc, "position", None)  # a reader error (control character)
        line = int(mark.line) if mark is not None else (
            source[:position].count("\n") if isinstance(position, int) else 0
        )  # fmt: skip
        reason = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        problems.add(line + 1, "yaml", f"syntax error: {reason}")
        return None


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "empty" if is_null(node) else "a single value"


class Fields:
    """One YAML mapping: each key's value node and line, checked for unknown and repeated keys.

    `at` is the dotted name of the mapping itself (e.g. `rights_requests`), prefixed to the
    field names in problems; `known` lists the keys this mapping may have.
    """

    def __init__(
        self,
        node: yaml.MappingNode,
        at: str,
        known: Collection[str],
        problems: FileProblems,
        line: int | None = None,
    ) -> None:
        self.node = node
        self.at = at
        self.problems = problems
        self.line = line or line_of(node)  # where "missing" problems point
        self.values: dict[str, yaml.Node] = {}
        self.key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = line_of(key_node)
            if key in self.values:
                self.add(line, key, f"repeated key (first on line {self.key_lines[key]})")
                continue
            if key not in known:
                self.add(line, key, f"unknown field (known: {', '.join(known)})")
                continue
            self.values[key] = value_node
            self.key_lines[key] = line

    def name(self, key: str) -> str:
        return f"{self.at}.{key}" if self.at else key

    def add(self, line: int, key: str, message: str) -> None:
        self.problems.add(line, self.name(key), message)

    def line_for(self, key: str) -> int:
        """The line of `key`, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)

    def present(self, key: str) -> bool:
        return key in self.values and not is_null(self.values[key])

    def _missing(self, key: str, required: bool, hint: str = "") -> None:
        if required:
            self.add(self.line, key, f"missing{hint}")

    def text(self, key: str, *, required: bool) -> str | None:
        """A single non-empty value, stripped."""
        if not self.present(key):
            self._missing(key, required)
            return None
        node = self.values[key]
        if not isinstance(node, yaml.ScalarNode):
            self.add(line_of(node), key, f"expected a single value, not {_kind(node)}")
            return None
        value = str(node.value).strip()
        if not value:
            self.add(line_of(node), key, "must not be empty")
            return None
        return value

    def texts(self, key: str, langs: Sequence[str], *, required: bool) -> dict[str, str] | None:
        """`{sv: ..., en: ...}`: every language in `langs` given and non-empty."""
        inner = self.mapping(key, langs, required=required, hint=f" (give {', '.join(langs)})")
        if inner is None:
            return None
        found = {lang: inner.text(lang, required=True) for lang in langs}
        if any(value is None for value in found.values()):
            return None
        return {lang: value for lang, value in found.items() if value is not None}

    def strings(self, key: str) -> list[tuple[str, int]]:
        """A list of single values (a lone value counts as a list of one), with their lines."""
        if not self.present(key):
            return []
        node = self.values[key]
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        found: list[tuple[str, int]] = []
        for index, item in enumerate(items):
            if not isinstance(item, yaml.ScalarNode) or is_null(item):
                self.add(line_of(item), f"{key}[{index}]", f"expected text, not {_kind(item)}")
            elif not str(item.value).strip():
                self.add(line_of(item), f"{key}[{index}]", "must not be empty")
            else:
                found.append((str(item.value).strip(), line_of(item)))
        return found

    def integer(self, key: str, *, default: int, low: int, high: int, unit: str) -> int | None:
        """A whole number in [low, high]; `default` when absent, None when wrong."""
        if not self.present(key):
            return default
        node = self.values[key]
        raw = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
        if not raw.isdigit():
            self.add(
                line_of(node), key, f"expected a whole number of {unit}, got {raw or _kind(node)!r}"
            )
            return None
        value = int(raw)
        if not low <= value <= high:
            self.add(line_of(node), key, f"must be between {low} and {high} {unit}")
            return None
        return value

    def mapping(
        self, key: str, known: Collection[str], *, required: bool, hint: str = ""
    ) -> Fields | None:
        """The nested mapping under `key`."""
        if not self.present(key):
            self._missing(key, required, hint)
            return None
        node = self.values[key]
        if not isinstance(node, yaml.MappingNode):
            self.add(line_of(node), key, f"expected a mapping{hint}, not {_kind(node)}")
            return None
        return Fields(node, self.name(key), known, self.problems, self.key_lines[key])

    def items(self, key: str, known: Collection[str], *, named: bool = True) -> list[Fields]:
        """A list of mappings (`key[0].field`, ... in problems; just `field` if not `named`)."""
        if not self.present(key):
            return []
        node = self.values[key]
        if not isinstance(node, yaml.SequenceNode):
            self.add(line_of(node), key, f"expected a list, not {_kind(node)}")
            return []
        found: list[Fields] = []
        for index, item in enumerate(node.value):
            name = f"{key}[{index}]"
            if isinstance(item, yaml.MappingNode):
                at = self.name(name) if named else self.at
                found.append(Fields(item, at, known, self.problems))
            else:
                self.add(line_of(item), name, f"expected a mapping, not {_kind(item)}")
        return found
