"""Read the question bank (YAML files) and say precisely what is wrong, as
`path:line: field: problem` (1-based lines, `knowledge.problems.Problem`).

A file holds one language and a list of questions:

    lang: sv
    questions:
      - id: erasure-caller-wants-everything-gone
        question: En kund ringer och vill att vi raderar allt. Vad gör du?
        options: [..., ..., ...]      # 3-4 texts
        correct: 2                    # 1-based; or a list [1, 3]
        explanation: One line shown after a wrong answer.
        article: right-to-erasure     # the knowledge article it teaches
        tags: [customer-service, rights]
        difficulty: easy              # easy | medium | hard

Files are read with `yaml.compose` (as the article loader reads front matter): nodes keep
their lines and scalars stay text until converted here. Later dirs override earlier ones
by (id, lang), as the knowledge base does; a duplicate within one dir is a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import yaml

from knowledge.problems import KnowledgeError, Problem, repeated_keys, yaml_error
from knowledge.quiz.model import DIFFICULTIES, Difficulty, Question, QuizBank

QUIZ_DIR = Path(__file__).resolve().parent
LANGS = ("sv", "en")
FILE_FIELDS = ("lang", "questions")
FIELDS = ("id", "question", "options", "correct", "explanation", "article", "tags", "difficulty")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_OPTIONS, MAX_OPTIONS = 3, 4
MAX_QUESTION_CHARS = 400
MAX_OPTION_CHARS = 200
MAX_EXPLANATION_CHARS = 300
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# article ids per language, to check what each question teaches
ArticleIds = Mapping[str, Collection[str]]


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> str | None:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) else None


@dataclass
class _File:
    """One file being read: its path and the problems found in it."""

    path: Path
    problems: list[Problem]

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message))


def _mapping(node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    return {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _text(
    file: _File, fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str, line: int, limit: int
) -> str | None:
    if name not in fields:
        file.add(line, name, "missing required field")
        return None
    key, value = fields[name]
    text = _scalar(value)
    if text is None:
        file.add(_line(key), name, "wrong type: expected a single text")
    elif not text:
        file.add(_line(key), name, "must not be empty")
    elif "\n" in text:
        file.add(_line(key), name, "must be one line")
    elif len(text) > limit:
        file.add(_line(key), name, f"is {len(text)} characters; at most {limit}")
    else:
        return text
    return None


def _options(file: _File, node: yaml.Node, line: int) -> tuple[str, ...] | None:
    if not isinstance(node, yaml.SequenceNode):
        file.add(line, "options", "wrong type: expected a list of texts")
        return None
    texts: list[str] = []
    ok = True
    for item in node.value:
        text = _scalar(item)
        if not text or "\n" in text or len(text) > MAX_OPTION_CHARS:
            reason = (
                "must be a one-line text"
                if not text or "\n" in text
                else f"is {len(text)} characters; at most {MAX_OPTION_CHARS}"
            )
            file.add(_line(item), "options", f"option {len(texts) + 1} {reason}")
            ok = False
        elif text in texts:
            file.add(_line(item), "options", f"option {len(texts) + 1} repeats an earlier one")
            ok = False
        texts.append(text or "")
    if not MIN_OPTIONS <= len(texts) <= MAX_OPTIONS:
        file.add(line, "options", f"has {len(texts)} options; needs {MIN_OPTIONS}-{MAX_OPTIONS}")
        return None
    return tuple(texts) if ok else None


def _correct(file: _File, node: yaml.Node, line: int, count: int | None) -> frozenset[int] | None:
    raw = (
        [node]
        if isinstance(node, yaml.ScalarNode)
        else (node.value if isinstance(node, yaml.SequenceNode) else None)
    )
    numbers = [_scalar(item) for item in raw] if raw is not None else None
    if not numbers or not all(n and n.isdigit() for n in numbers):
        file.add(
            line, "correct", "wrong type: expected an option number or a list, e.g. 2 or [1, 3]"
        )
        return None
    picked = {int(cast(str, n)) for n in numbers}
    if count is None:
        return None
    outside = sorted(n for n in picked if not 1 <= n <= count)
    if outside:
        file.add(line, "correct", f"option {outside[0]} does not exist (options 1-{count})")
        return None
    if len(picked) == count:
        file.add(line, "correct", "every option is marked correct; at least one must be wrong")
        return None
    return frozenset(n - 1 for n in picked)


def _tags(file: _File, node: yaml.Node, line: int) -> tuple[str, ...] | None:
    items = node.value if isinstance(node, yaml.SequenceNode) else None
    tags = [_scalar(item) for item in items] if items is not None else None
    if not tags:
        file.add(line, "tags", "wrong type: expected a non-empty list, e.g. [breach, security]")
        return None
    bad = next((t for t in tags if not t or not ID_PATTERN.match(t)), None)
    if bad is not None:
        file.add(line, "tags", f"'{bad}' is not lowercase-kebab (e.g. customer-service)")
        return None
    return tuple(cast(list[str], tags))


def _question(
    file: _File, node: yaml.Node, lang: str, known: Callable[[str, str], bool] | None
) -> Question | None:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        file.add(line, "questions", "each question must be a mapping of 'field: value' lines")
        return None
    before = len(file.problems)
    fields = _mapping(node)
    for name, (key, _value) in fields.items():
        if name not in FIELDS:
            file.add(_line(key), name, f"unknown field (known: {', '.join(FIELDS)})")
    qid = _text(file, fields, "id", line, 80)
    if qid and not ID_PATTERN.match(qid):
        file.add(_line(fields["id"][0]), "id", f"'{qid}' is not lowercase-kebab")
    text = _text(file, fields, "question", line, MAX_QUESTION_CHARS)
    explanation = _text(file, fields, "explanation", line, MAX_EXPLANATION_CHARS)
    article = _text(file, fields, "article", line, 80)
    if article and lang and known is not None and not known(article, lang):  # no lang: said
        file.add(
            _line(fields["article"][0]),
            "article",
            f"unknown article '{article}' (no such id in the {lang} knowledge base)",
        )
    difficulty = _text(file, fields, "difficulty", line, 20)
    if difficulty and difficulty not in DIFFICULTIES:
        file.add(
            _line(fields["difficulty"][0]),
            "difficulty",
            f"'{difficulty}' is not one of: {', '.join(DIFFICULTIES)}",
        )
    options = correct = tags = None
    for name in ("options", "correct", "tags"):
        if name not in fields:
            file.add(line, name, "missing required field")
    if "options" in fields:
        options = _options(file, fields["options"][1], _line(fields["options"][0]))
    if "correct" in fields:
        count = len(options) if options else None
        correct = _correct(file, fields["correct"][1], _line(fields["correct"][0]), count)
    if "tags" in fields:
        tags = _tags(file, fields["tags"][1], _line(fields["tags"][0]))
    if len(file.problems) > before:
        return None
    return Question(
        id=cast(str, qid),
        lang=lang,
        question=cast(str, text),
        options=cast(tuple[str, ...], options),
        correct=cast(frozenset[int], correct),
        explanation=cast(str, explanation),
        article=cast(str, article),
        tags=cast(tuple[str, ...], tags),
        difficulty=cast(Difficulty, difficulty),
        path=file.path,
        line=line,
    )


def parse_quiz_file(
    path: Path, known: Callable[[str, str], bool] | None = None
) -> tuple[list[Question], list[Problem]]:
    """Every usable question in one file and every problem found in it."""
    file = _File(path, [])
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=_YAML_LOADER)
    except UnicodeDecodeError:
        file.add(1, "file", "is not UTF-8 text")
        return [], file.problems
    except OSError as exc:
        file.add(1, "file", f"cannot read: {exc.strerror or exc}")
        return [], file.problems
    except yaml.YAMLError as exc:
        line, reason = yaml_error(exc, text)
        file.add(line + 1, "yaml", f"syntax error: {reason}")
        return [], file.problems
    if not isinstance(root, yaml.MappingNode):
        file.add(1, "file", "must be a mapping with 'lang' and 'questions'")
        return [], file.problems
    repeated = list(repeated_keys(root))
    for line, field, first in repeated:
        file.add(line + 1, field, f"repeated key (first on line {first})")
    if repeated:  # which of the two values was meant is not for the loader to guess
        return [], file.problems
    fields = _mapping(root)
    for name, (key, _value) in fields.items():
        if name not in FILE_FIELDS:
            file.add(_line(key), name, f"unknown field (known: {', '.join(FILE_FIELDS)})")
    lang = _text(file, fields, "lang", 1, 2)
    if lang and lang not in LANGS:
        file.add(_line(fields["lang"][0]), "lang", f"'{lang}' is not one of: sv, en")
        lang = None
    elif lang and path.parent.name in LANGS and path.parent.name != lang:
        file.add(
            _line(fields["lang"][0]),
            "lang",
            f"'{lang}' does not match the folder '{path.parent.name}'",
        )
    if "questions" not in fields:
        file.add(1, "questions", "missing required field")
        return [], file.problems
    key, items = fields["questions"]
    if not isinstance(items, yaml.SequenceNode) or not items.value:
        file.add(_line(key), "questions", "expected a non-empty list of questions")
        return [], file.problems
    found = [_question(file, item, lang or "", known) for item in items.value]
    return [q for q in found if q is not None and lang], file.problems


def quiz_files(path: Path) -> list[Path]:
    """A file as given, or every `*.yaml` / `*.yml` under a folder, sorted."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def _load(
    paths: Sequence[Path], known: Callable[[str, str], bool] | None
) -> tuple[list[Question], list[Problem]]:
    merged: dict[tuple[str, str], Question] = {}
    problems: list[Problem] = []
    for given in paths:
        if not given.exists():
            problems.append(Problem(given, 0, "path", "does not exist"))
            continue
        seen: dict[tuple[str, str], Question] = {}
        for path in quiz_files(given):
            questions, found = parse_quiz_file(path, known)
            problems.extend(found)
            for question in questions:
                key = (question.id, question.lang)
                if key in seen:
                    first = seen[key]
                    problems.append(
                        Problem(
                            path,
                            question.line,
                            "id",
                            f"duplicate id '{question.id}' for lang {question.lang} "
                            f"(also at {first.path}:{first.line})",
                        )
                    )
                    continue
                seen[key] = merged[key] = question
    return list(merged.values()), problems


def _known(articles: ArticleIds | None) -> Callable[[str, str], bool] | None:
    if articles is None:
        return None
    return lambda article, lang: article in articles.get(lang, ())


def check_quiz(paths: Sequence[Path], articles: ArticleIds | None = None) -> list[Problem]:
    """Every problem in these files or folders (what `gdpr-bot quiz check` prints); with
    `articles`, each question's article must exist in its language."""
    return _load([Path(p) for p in paths], _known(articles))[1]


def load_quiz_bank(paths: Sequence[Path], articles: ArticleIds | None = None) -> QuizBank:
    """The questions in these files or folders (later override earlier by id and
    language); raise KnowledgeError listing every problem."""
    questions, problems = _load([Path(p) for p in paths], _known(articles))
    if problems:
        raise KnowledgeError(problems)
    return QuizBank(tuple(questions))
