"""Read the client directory from YAML files and folders, and say precisely what is wrong.

`GDPRBOT_CLIENTS` names one or more files or folders (a folder means every `*.yaml` and
`*.yml` under it). Each file holds a `clients:` list; all of them together make one
directory. An id may appear only once in the whole directory: there is no shipped directory
to override, and silently letting one file win could name the wrong controller to a caller,
so a repeated id is a problem that names both places. The same holds for a channel, and for
a name or alias claimed by two clients.

Every problem is a `Problem` whose `str()` is `path:line: field: problem`, all of them found
in one pass; the directory is only usable when there are none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from clients.directory import Directory
from clients.model import LANGS, Client, Retention, RightsRequests, Texts
from clients.names import name_tokens
from clients.placeholders import NOT_IN_SCRIPT, PLACEHOLDERS, malformed_in, placeholders_in
from clients.shapes import (
    channel_problem,
    email_problem,
    id_problem,
    phone_problem,
    team_lead_problem,
    url_problem,
)
from clients.yamlnodes import Fields, FileProblems, Problem, compose_file, is_null, line_of

EXAMPLE_DIR = Path(__file__).resolve().parent / "example"
SUFFIXES = (".yaml", ".yml")
CLIENT_FIELDS = (
    "id", "name", "aliases", "controller", "rights_requests", "retention", "channels",
    "team_leads",
)  # fmt: skip
RIGHTS_FIELDS = ("email", "url", "phone", "forward_within_business_days", "script")
RETENTION_FIELDS = ("data", "keep")
FORWARD_DEFAULT = 1
# Forwarding later than this would leave the controller too little of its one month (Art. 12(3)).
FORWARD_MAX = 20
_CONTACT_CHECKS = (("email", email_problem), ("url", url_problem), ("phone", phone_problem))


class ClientsError(Exception):
    """The client directory is broken; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class _Entry:
    """One entry's claims (id, names, channels) and where they sit, plus the client when the
    entry has no problems. Claims of broken entries are checked too, so one pass finds all."""

    id: str | None
    client: Client | None
    path: Path
    line: int
    names: tuple[tuple[str, str, int], ...]  # (field, name as written, line)
    channels: tuple[tuple[str, str, int], ...]  # (field, channel id, line)

    def at(self, line: int | None = None) -> str:
        return f"{self.path}:{line or self.line}"


def client_files(path: Path) -> list[Path]:
    """The YAML files a setting entry names: the file itself, or those under the folder
    (hidden files and folders such as `.git/` left out)."""
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.suffix in SUFFIXES
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    return [path]


def _texts(fields: Fields, key: str) -> Texts | None:
    found = fields.texts(key, LANGS, required=True)
    return Texts(**found) if found else None


def _script(rights: Fields) -> Texts | None:
    script = rights.mapping("script", LANGS, required=True, hint=" (give sv and en)")
    if script is None:
        return None
    found: dict[str, str] = {}
    for lang in LANGS:
        text = script.text(lang, required=True)
        if text is None:
            continue
        found[lang] = text
        for name in placeholders_in(text):
            if name not in PLACEHOLDERS:
                script.add(script.line_for(lang), lang, f"unknown placeholder {{{{{name}}}}}")
            elif name in NOT_IN_SCRIPT:
                script.add(
                    script.line_for(lang), lang, f"{{{{{name}}}}} cannot be used in a script"
                )
        for typed in malformed_in(text):
            script.add(script.line_for(lang), lang, f"{typed!r} is not a placeholder")
    return Texts(**found) if len(found) == len(LANGS) else None


def _rights(entry: Fields) -> RightsRequests | None:
    rights = entry.mapping("rights_requests", RIGHTS_FIELDS, required=True)
    if rights is None:
        return None
    before = len(rights.problems.items)
    contacts: dict[str, str | None] = {}
    for key, problem_of in _CONTACT_CHECKS:
        value = rights.text(key, required=False)
        problem = problem_of(value) if value else None
        if problem:
            rights.add(rights.line_for(key), key, problem)
        contacts[key] = value
    if not any(rights.present(key) for key, _check in _CONTACT_CHECKS):
        rights.add(rights.line, "email", "give at least one of email, url, phone")
    days = rights.integer(
        "forward_within_business_days",
        default=FORWARD_DEFAULT,
        low=0,
        high=FORWARD_MAX,
        unit="business days",
    )
    script = _script(rights)
    if len(rights.problems.items) > before or days is None or script is None:
        return None
    return RightsRequests(contacts["email"], contacts["url"], contacts["phone"], days, script)


def _retention(entry: Fields) -> tuple[Retention, ...]:
    rules: list[Retention] = []
    for rule in entry.items("retention", RETENTION_FIELDS):
        data, keep = _texts(rule, "data"), _texts(rule, "keep")
        if data and keep:
            rules.append(Retention(data, keep))
    return tuple(rules)


def _names(entry: Fields, name: str | None) -> list[tuple[str, str, int]]:
    """(field, name, line) of the name and each alias; aliases that cannot match are problems."""
    found = [("name", name, entry.line_for("name"))] if name else []
    for index, (alias, line) in enumerate(entry.strings("aliases")):
        words = "".join(name_tokens(alias))
        if len(words) < 2:
            entry.add(
                line,
                f"aliases[{index}]",
                f"{alias!r} is too short to recognise (2+ letters or digits)",
            )
        else:
            found.append((f"aliases[{index}]", alias, line))
    return found


def _channels(entry: Fields) -> list[tuple[str, str, int]]:
    found: dict[str, int] = {}
    valid: list[tuple[str, str, int]] = []
    for index, (channel, line) in enumerate(entry.strings("channels")):
        field = f"channels[{index}]"
        problem = channel_problem(channel)
        if problem:
            entry.add(line, field, problem)
        elif channel in found:
            entry.add(line, field, f"{channel!r} repeated (first on line {found[channel]})")
        else:
            found[channel] = line
            valid.append((field, channel, line))
    return valid


def _team_leads(entry: Fields) -> tuple[str, ...]:
    """Platform ids (`slack:U…`, `teams:<AAD object id>`, or a bare id), never e-mail."""
    valid: list[str] = []
    for index, (lead, line) in enumerate(entry.strings("team_leads")):
        problem = team_lead_problem(lead)
        if problem:
            entry.add(line, f"team_leads[{index}]", problem)
        elif lead not in valid:
            valid.append(lead)
    return tuple(valid)


def _entry(entry: Fields, path: Path) -> _Entry:
    """One client's claims, and the client itself when no field is wrong (all reported)."""
    before = len(entry.problems.items)
    client_id = entry.text("id", required=True)
    problem = id_problem(client_id) if client_id else None
    if problem:
        entry.add(entry.line_for("id"), "id", problem)
        client_id = None
    name = entry.text("name", required=True)
    controller = entry.text("controller", required=True)
    names = _names(entry, name)
    rights = _rights(entry)
    retention = _retention(entry)
    channels = _channels(entry)
    team_leads = _team_leads(entry)
    client = None
    if len(entry.problems.items) == before and client_id and name and controller and rights:
        client = Client(
            id=client_id,
            name=name,
            controller=controller,
            rights_requests=rights,
            aliases=tuple(alias for field, alias, _line in names if field != "name"),
            retention=retention,
            channels=tuple(channel for _field, channel, _line in channels),
            team_leads=team_leads,
            source=f"{path}:{entry.line}",
        )
    return _Entry(client_id, client, path, entry.line, tuple(names), tuple(channels))


def _read_file(path: Path, problems: FileProblems) -> list[_Entry]:
    root = compose_file(path, problems)
    if root is None or is_null(root):
        if not problems.items:
            problems.add(1, "clients", "the file is empty (expected a 'clients:' list)")
        return []
    if not isinstance(root, yaml.MappingNode):
        problems.add(line_of(root), "clients", "expected a mapping with a 'clients:' list")
        return []
    top = Fields(root, "", ("clients",), problems)
    if "clients" not in top.values:
        top.add(top.line, "clients", "missing (expected a 'clients:' list)")
    return [_entry(fields, path) for fields in top.items("clients", CLIENT_FIELDS, named=False)]


def _whole_directory(entries: list[_Entry]) -> list[Problem]:
    """Ids, names and channels claimed twice: reported where the second claim is."""
    problems: list[Problem] = []
    ids: dict[str, _Entry] = {}
    names: dict[str, tuple[_Entry, int]] = {}
    channels: dict[str, tuple[_Entry, int]] = {}

    def claim(
        claims: dict[str, tuple[_Entry, int]], key: str, entry: _Entry, line: int
    ) -> _Entry | None:
        """The other entry that claimed `key` first, if that is another client."""
        owner = claims.setdefault(key, (entry, line))
        return owner[0] if owner[0].id != entry.id else None

    for entry in entries:
        if entry.id is None:
            continue  # its id is already a problem
        first = ids.setdefault(entry.id, entry)
        if first is not entry:
            message = f"duplicate id {entry.id!r} (also at {first.at()})"
            problems.append(Problem(entry.path, entry.line, "id", message))
        for field, written, line in entry.names:
            other = claim(names, "".join(name_tokens(written)), entry, line)
            if other is not None:
                where = other.at(names["".join(name_tokens(written))][1])
                message = f"{written!r} is also a name of client {other.id!r} ({where})"
                problems.append(Problem(entry.path, line, field, message))
        for field, channel, line in entry.channels:
            other = claim(channels, channel, entry, line)
            if other is not None:
                where = other.at(channels[channel][1])
                message = f"{channel!r} also belongs to client {other.id!r} ({where})"
                problems.append(Problem(entry.path, line, field, message))
    return problems


def _read(paths: Iterable[Path]) -> tuple[list[_Entry], list[Problem]]:
    """Every valid entry from these files and folders (in order), and every problem."""
    problems: list[Problem] = []
    entries: list[_Entry] = []
    seen: set[Path] = set()
    for path in (Path(p) for p in paths):
        if not path.exists():
            problems.append(Problem(path, 0, "path", "does not exist"))
            continue
        files = client_files(path)
        if not files:
            problems.append(Problem(path, 0, "path", "holds no client files (*.yaml, *.yml)"))
        for file in files:
            if file.resolve() in seen:  # a file named directly and inside a named folder
                continue
            seen.add(file.resolve())
            found = FileProblems(file)
            entries.extend(_read_file(file, found))
            problems.extend(sorted(found.items, key=lambda problem: problem.line))
    problems.extend(_whole_directory(entries))
    return entries, problems


def check_directory(paths: Iterable[Path]) -> list[Problem]:
    """Every problem in these files and folders ([] when the directory is fine)."""
    return _read(paths)[1]


def load_directory(paths: Iterable[Path]) -> Directory:
    """The directory from these files and folders; `ClientsError` when anything is wrong."""
    entries, problems = _read(paths)
    if problems:
        raise ClientsError(problems)
    return Directory(tuple(entry.client for entry in entries if entry.client is not None))
