"""The labelled questions `kb calibrate` fits on: question files, and label files joined
with the shared evaluation sets.

A question file is JSONL like the evaluation sets (`id`, `lang`, `q`, and `articles` or
`expect_fallback`). A label file holds no question text, only labels by id for a shared
set that lives outside the repository (`../shared/eval/<set>.jsonl`):

    {"set": "dev2", "id": "d2-001", "articles": ["call-recording"]}
    {"set": "dev2", "id": "d2-004", "expect_fallback": true}
    {"set": "dev", "id": "d13", "articles": ["imy"], "near_frozen": "f-sv-040"}
    {"set": "dev2", "id": "d2-xyz", "articles": [], "no_article": true}

Lines marked `near_frozen` (within Jaccard 0.5 of a frozen-split question) or `no_article`
(on-topic, but no article answers it) are labelled for completeness and not fitted on.
Every input file, and every shared file a label file was joined with, is recorded with its
sha256 so that a refit can be checked to use the same data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.evaluate import EvalCase, EvalFileError, read_cases


class InputError(ValueError):
    """A calibration input that cannot be read or joined (one line, for the CLI)."""


@dataclass
class Inputs:
    cases: list[EvalCase] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # per case: its file's stem or its set
    files: list[dict[str, str]] = field(default_factory=list)  # {"file", "sha256"} in order

    def add_file(self, path: Path, name: str | None = None) -> None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        self.files.append({"file": name or path.name, "sha256": digest})


def is_label_file(path: Path) -> bool:
    """True when the first JSON line names a shared `set` and carries no question text."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                first = json.loads(line)
            except ValueError:
                return False
            return isinstance(first, dict) and "set" in first and "q" not in first
    return False


def read_labels(path: Path) -> list[dict[str, object]]:
    labels: list[dict[str, object]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: {exc}") from None
        if not isinstance(raw, dict) or not raw.get("set") or not raw.get("id"):
            raise InputError(f'{path}:{number}: each line needs "set" and "id"')
        if not raw.get("expect_fallback") and not raw.get("articles") and not raw.get("no_article"):
            raise InputError(f'{path}:{number}: needs "articles", expect_fallback or no_article')
        labels.append(raw)
    return labels


def fitted(label: dict[str, object]) -> bool:
    """Whether a label line is used for fitting (not near the frozen split, has an answer)."""
    return not label.get("near_frozen") and not label.get("no_article")


def _join(path: Path, shared: Path, inputs: Inputs) -> None:
    labels = read_labels(path)
    inputs.add_file(path)
    sets: dict[str, dict[str, EvalCase]] = {}
    for name in dict.fromkeys(str(label["set"]) for label in labels):
        source = shared / "eval" / f"{name}.jsonl"
        if not source.is_file():
            raise InputError(f"{path}: labels for {name!r} but {source} is missing (--shared DIR)")
        try:
            sets[name] = {case.id: case for case in read_cases(source)}
        except (OSError, EvalFileError) as exc:
            raise InputError(_problem(source, exc)) from None
        inputs.add_file(source, f"{name}.jsonl")
    for label in labels:
        name, key = str(label["set"]), str(label["id"])
        case = sets[name].get(key)
        if case is None:
            raise InputError(f"{path}: {name}.jsonl has no question {key!r}")
        if not fitted(label):
            continue
        fallback = bool(label.get("expect_fallback"))
        listed = label.get("articles")
        articles = tuple(str(a) for a in listed) if isinstance(listed, list) else ()
        if fallback:
            articles = ()
        inputs.cases.append(EvalCase(case.id, case.lang, case.q, (), fallback, articles))
        inputs.groups.append(name)


def read_inputs(paths: Sequence[Path], shared: Path) -> Inputs:
    """All labelled questions from these files, label files joined with `shared`."""
    inputs = Inputs()
    for path in paths:
        try:
            if is_label_file(path):
                _join(path, shared, inputs)
                continue
            cases = read_cases(path)
        except (OSError, EvalFileError) as exc:
            raise InputError(_problem(path, exc)) from None
        inputs.add_file(path)
        inputs.cases.extend(cases)
        inputs.groups.extend([path.stem] * len(cases))
    return inputs


def _problem(path: Path, exc: OSError | EvalFileError) -> str:
    """One line: a file that cannot be read names itself and why (not Python's errno text)."""
    if isinstance(exc, OSError):
        return f"{path}: cannot read it ({exc.strerror or exc}); give a labelled JSONL file"
    return str(exc)
