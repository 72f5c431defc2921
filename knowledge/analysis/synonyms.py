"""The reviewed synonym list (`synonyms.yaml`): loaded and validated like articles.

Each language has groups of single words that mean the same in a question ("mejl",
"mail", "epost"). A question word in a group also matches every other word of the group;
the articles are indexed as written. Problems are reported as `path:line: field: problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.model import Lang
from knowledge.problems import Problem, yaml_error

SYNONYMS_FILE = Path(__file__).resolve().parent / "synonyms.yaml"
LANGS: tuple[Lang, ...] = ("sv", "en")
_WORD = re.compile(r"^[0-9a-zåäöéèüæøà]+$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Synonyms:
    """word -> the words of its group (itself included), per language."""

    groups: dict[Lang, dict[str, tuple[str, ...]]]

    def of(self, word: str, lang: Lang) -> tuple[str, ...]:
        return self.groups.get(lang, {}).get(word, ())


def check_synonyms(path: Path = SYNONYMS_FILE) -> tuple[Synonyms, list[Problem]]:
    """The synonym groups and every problem found in the file."""
    problems: list[Problem] = []
    groups: dict[Lang, dict[str, tuple[str, ...]]] = {lang: {} for lang in LANGS}
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        return Synonyms(groups), [Problem(path, 1, "file", f"cannot read: {exc}")]
    except yaml.YAMLError as exc:
        line, reason = yaml_error(exc, text)
        return Synonyms(groups), [Problem(path, line + 1, "yaml", f"syntax error: {reason}")]
    if root is None:
        return Synonyms(groups), []
    if not isinstance(root, yaml.MappingNode):
        return Synonyms(groups), [Problem(path, 1, "file", "must map sv/en to lists of groups")]
    for key, value in root.value:
        lang = str(key.value)
        line = key.start_mark.line + 1
        if lang not in LANGS:
            problems.append(Problem(path, line, lang, "unknown language (known: sv, en)"))
            continue
        if not isinstance(value, yaml.SequenceNode):
            problems.append(Problem(path, line, lang, "expected a list of groups"))
            continue
        for group in value.value:
            g_line = group.start_mark.line + 1
            if not isinstance(group, yaml.SequenceNode) or not all(
                isinstance(item, yaml.ScalarNode) for item in group.value
            ):
                problems.append(Problem(path, g_line, lang, "a group is a list of words"))
                continue
            members = [str(item.value).strip() for item in group.value]
            bad = [m for m in members if not _WORD.match(m)]
            if bad:
                problems.append(
                    Problem(path, g_line, lang, f"not a single lower-case word: {bad[0]!r}")
                )
                continue
            if len(set(members)) < 2:
                problems.append(Problem(path, g_line, lang, "a group needs two different words"))
                continue
            known = groups[lang]
            twice = [m for m in members if m in known]
            if twice:
                problems.append(
                    Problem(path, g_line, lang, f"'{twice[0]}' is already in another group")
                )
                continue
            for member in members:
                known[member] = tuple(dict.fromkeys(members))
    return Synonyms(groups), problems


def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    """The groups; a broken file raises `KnowledgeError` naming every problem."""
    from knowledge.problems import KnowledgeError

    synonyms, problems = check_synonyms(path)
    if problems:
        raise KnowledgeError(problems)
    return synonyms
