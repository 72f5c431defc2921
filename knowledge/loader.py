"""Read knowledge articles (Markdown + YAML front matter) and say precisely what is wrong.

Every problem is a `Problem(path, line, field, message)` whose `str()` is
`path:line: field: message`; the line points at the offending front-matter line (1-based,
counting the opening `---` as line 1), so an editor can jump straight to it.

Front matter is read with `yaml.compose` rather than `safe_load`: nodes keep their line
numbers, and values stay strings until this module converts them, so `reviewed: 2026-13-01`
becomes a clear "bad date" instead of a crash inside the YAML constructor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

import yaml

from knowledge.model import Article, Lang
from knowledge.placeholders import KNOWN as KNOWN_PLACEHOLDERS
from knowledge.placeholders import malformed_in, unknown_in
from knowledge.problems import KnowledgeError, Problem, repeated_keys, yaml_error

SHIPPED_DIR = Path(__file__).resolve().parent / "content"
LANGS: tuple[Lang, ...] = ("sv", "en")
REQUIRED = ("id", "lang", "title", "owner", "reviewed")
LIST_FIELDS = ("questions", "tags", "gdpr", "related", "replaces")
KNOWN_FIELDS = (*REQUIRED, "review_every_months", "needs_client", *LIST_FIELDS)
__all__ = ["SHIPPED_DIR", "KnowledgeError", "Problem", "check_knowledge", "load_articles"]
# libyaml when present: same nodes and marks, several times faster on a few hundred files
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class _Parsed:
    """One file's article plus the line of each front-matter field (for later checks)."""

    article: Article
    lines: dict[str, int]


def _front_matter(path: Path, text: str) -> tuple[str, str, int] | Problem:
    """Split a file into (yaml text, body, body's first line)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return Problem(path, 1, "front matter", "file must start with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return Problem(path, 1, "front matter", "no closing '---' line")


def _plain(node: yaml.Node) -> object:
    """Turn a YAML node into str / list / dict without resolving dates or numbers."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(_plain(k)): _plain(v) for k, v in node.value}
    return None  # pragma: no cover - composer yields only these three node kinds


def _read_fields(path: Path, source: str) -> tuple[dict[str, object], dict[str, int]] | Problem:
    try:
        root = yaml.compose(source, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        line, reason = yaml_error(exc, source)
        return Problem(path, line + 2, "yaml", f"syntax error: {reason}")  # +2: the '---'
    if not isinstance(root, yaml.MappingNode):
        return Problem(path, 2, "front matter", "must be a mapping of 'field: value' lines")
    for line, field, first in repeated_keys(root):
        return Problem(path, line + 2, field, f"repeated key (first on line {first + 1})")
    fields: dict[str, object] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(_plain(key_node))
        fields[key] = _plain(value_node)
        lines[key] = key_node.start_mark.line + 2
    return fields, lines


def _text_field(fields: dict[str, object], name: str) -> str | None:
    value = fields.get(name)
    return value.strip() if isinstance(value, str) else None


def parse_article(path: Path, today: date | None = None) -> tuple[_Parsed | None, list[Problem]]:
    """Parse one file; return the article (when usable) and every problem found in it."""
    today = today or date.today()
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a BOM some editors write
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, 1, "file", f"cannot read: {exc}")]
    split = _front_matter(path, text)
    if isinstance(split, Problem):
        return None, [split]
    source, body, body_line = split
    read = _read_fields(path, source)
    if isinstance(read, Problem):
        return None, [read]
    fields, lines = read
    problems: list[Problem] = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(path, lines.get(name, 1), name, message))

    for name in fields:
        if name not in KNOWN_FIELDS:
            problem(name, f"unknown field (known: {', '.join(KNOWN_FIELDS)})")
    for name in REQUIRED:
        if name not in fields:
            problem(name, "missing required field")
        elif fields[name] is not None and not isinstance(fields[name], str):
            problem(name, "wrong type: expected a single value, not a list or mapping")
        elif not _text_field(fields, name):
            problem(name, "must not be empty")

    article_id = _text_field(fields, "id") or ""
    if article_id and not ID_PATTERN.match(article_id):
        problem("id", f"'{article_id}' is not lowercase-kebab (e.g. right-of-access)")
    elif article_id and article_id != path.stem:
        problem("id", f"'{article_id}' does not match the file name '{path.name}'")

    lang = _text_field(fields, "lang") or ""
    if lang and lang not in LANGS:
        problem("lang", f"'{lang}' is not one of: sv, en")
    elif lang and path.parent.name in LANGS and path.parent.name != lang:
        problem("lang", f"'{lang}' does not match the folder '{path.parent.name}'")

    reviewed: date | None = None
    raw_date = _text_field(fields, "reviewed")
    if raw_date:
        try:
            reviewed = date.fromisoformat(raw_date)
        except ValueError:
            problem("reviewed", f"'{raw_date}' is not a date (YYYY-MM-DD)")
        else:
            if reviewed > today:
                problem("reviewed", f"{reviewed.isoformat()} is in the future")

    every = 12
    if "review_every_months" in fields:
        raw_every = fields["review_every_months"]
        if not isinstance(raw_every, str) or not raw_every.strip().isdigit():
            problem("review_every_months", "wrong type: expected a whole number of months")
        elif int(raw_every) < 1:
            problem("review_every_months", "must be at least 1")
        else:
            every = int(raw_every)

    lists: dict[str, tuple[str, ...]] = {}
    for name in LIST_FIELDS:
        raw = fields.get(name)
        if raw is None or raw == "":
            lists[name] = ()
        elif not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            problem(name, "wrong type: expected a list of strings, e.g. [a, b]")
            lists[name] = ()
        else:
            items = cast(list[str], raw)
            lists[name] = tuple(item.strip() for item in items if item.strip())

    needs_client = False
    if "needs_client" in fields:
        raw_flag = fields["needs_client"]
        if raw_flag not in ("true", "false"):
            problem("needs_client", "wrong type: expected true or false")
        needs_client = raw_flag == "true"

    if not body.strip():
        problems.append(Problem(path, body_line, "body", "is empty"))
    for name, text, line in (
        ("title", _text_field(fields, "title") or "", lines.get("title", 1)),
        ("body", body, body_line),
    ):
        for unknown in unknown_in(text):
            problems.append(
                Problem(
                    path,
                    line + (text[: text.find(unknown)].count("\n") if name == "body" else 0),
                    name,
                    f"unknown placeholder '{{{{{unknown}}}}}' "
                    f"(known: {', '.join(sorted(KNOWN_PLACEHOLDERS))})",
                )
            )
        for at in malformed_in(text):
            shown = text[at : at + 40].split("\n")[0]
            problems.append(
                Problem(
                    path,
                    line + (text[:at].count("\n") if name == "body" else 0),
                    name,
                    f"'{shown}' is not a placeholder: write {{{{name}}}} with a known name",
                )
            )

    if problems:
        return None, problems
    article = Article(
        id=article_id,
        lang=cast(Lang, lang),
        title=_text_field(fields, "title") or "",
        body=body.strip(),
        owner=_text_field(fields, "owner") or "",
        reviewed=cast(date, reviewed),
        review_every_months=every,
        questions=lists["questions"],
        tags=lists["tags"],
        gdpr=lists["gdpr"],
        related=lists["related"],
        path=path,
        needs_client=needs_client,
        replaces=lists["replaces"],
    )
    return _Parsed(article, lines), []


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.md") if p.is_file())


def _load(dirs: Iterable[Path], today: date | None) -> tuple[list[_Parsed], list[Problem]]:
    """Parse every dir in order; later dirs override earlier ones by (id, lang)."""
    merged: dict[tuple[str, str], _Parsed] = {}
    problems: list[Problem] = []
    for directory in dirs:
        if not directory.is_dir():  # a knowledge folder (GDPRBOT_KNOWLEDGE_DIR, kb check DIR)
            what = "is a file, not a folder of articles" if directory.exists() else "does not exist"
            problems.append(Problem(directory, 1, "folder", what))
            continue
        seen: dict[tuple[str, str], Path] = {}
        for path in _files(directory):
            parsed, found = parse_article(path, today)
            problems.extend(found)
            if parsed is None:
                continue
            key = (parsed.article.id, parsed.article.lang)
            if key in seen:
                problems.append(
                    Problem(
                        path,
                        parsed.lines.get("id", 1),
                        "id",
                        f"duplicate id '{key[0]}' for lang {key[1]} (also in {seen[key]})",
                    )
                )
                continue
            seen[key] = path
            merged[key] = parsed
    problems.extend(_cross_checks(list(merged.values())))
    return list(merged.values()), problems


def _cross_checks(parsed: list[_Parsed]) -> list[Problem]:
    """Checks that need the whole base: related ids exist, sv/en agree on GDPR refs."""
    problems: list[Problem] = []
    ids = {p.article.id for p in parsed}
    replaced = {old: p for p in parsed for old in p.article.replaces}
    by_key = {(p.article.id, p.article.lang): p for p in parsed}
    for item in parsed:
        article, path = item.article, cast(Path, item.article.path)
        for related in article.related:
            if related not in ids:
                problems.append(
                    Problem(path, item.lines["related"], "related", f"unknown id '{related}'")
                )
        for old in article.replaces:
            if old in ids:
                problems.append(
                    Problem(
                        path,
                        item.lines["replaces"],
                        "replaces",
                        f"'{old}' is still an article id: a replaced id must not exist",
                    )
                )
        if article.id in replaced:
            problems.append(
                Problem(
                    path,
                    item.lines["id"],
                    "id",
                    f"'{article.id}' is listed as replaced in {replaced[article.id].article.path}",
                )
            )
        if article.lang == "en" and (article.id, "sv") in by_key:
            swedish = by_key[(article.id, "sv")].article
            if set(swedish.gdpr) != set(article.gdpr):
                problems.append(
                    Problem(
                        path,
                        item.lines.get("gdpr", item.lines["id"]),
                        "gdpr",
                        f"refs {sorted(article.gdpr)} differ from the sv version "
                        f"{sorted(swedish.gdpr)} in {swedish.path}",
                    )
                )
    return problems


def check_knowledge(dirs: Sequence[Path], today: date | None = None) -> list[Problem]:
    """Every problem in these dirs, merged in order (what `gdpr-bot kb check` prints)."""
    return _load([Path(d) for d in dirs], today)[1]


def load_articles(dirs: Sequence[Path], today: date | None = None) -> list[Article]:
    """Articles from these dirs (later override earlier); raise KnowledgeError if broken."""
    parsed, problems = _load([Path(d) for d in dirs], today)
    if problems:
        raise KnowledgeError(problems)
    return [p.article for p in parsed]
