"""What is wrong with a knowledge file, said precisely: `path:line: field: problem`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge base is broken; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def yaml_error(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """(0-based line, one-line reason) of a YAML syntax error in `text`. A reader error
    (a control character) has no mark, only a character position; its text is two lines."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    position = getattr(exc, "position", None)
    if mark is not None:
        line = int(mark.line)
    elif isinstance(position, int):
        line = text[:position].count("\n")
    else:
        line = 0
    reason = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return line, str(reason)


def repeated_keys(node: yaml.Node, at: str = "") -> Iterator[tuple[int, str, int]]:
    """(0-based line, field, first line 1-based) of every key given twice in a mapping,
    at any depth: YAML itself keeps the second value without a word."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            field = f"{at}.{key}" if at else key
            if key in seen:
                yield key_node.start_mark.line, field, seen[key]
            else:
                seen[key] = key_node.start_mark.line + 1
            yield from repeated_keys(value_node, field)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from repeated_keys(item, f"{at}[{index}]")
