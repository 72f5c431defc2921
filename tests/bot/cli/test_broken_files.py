"""Every file the bot reads, broken at the byte level: its check command names the file,
the line and the field on one line, whatever the breakage.

One table per file kind: (what is wrong, the file's bytes, the problem expected for it).
A repeated key is a problem (YAML itself keeps the second value without a word), a
control character is reported on its own line, and an article saved with a byte-order
mark reads like any other (the YAML files already did).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

ROUTINE = b"""routines:
  - id: my-routine
    title: {sv: Min rutin, en: My routine}
    description: {sv: Gor det, en: Do it}
    schedule: {every: quarter, anchor: 2027-01-01}
    due_days: 14
"""
QUIZ = b"""lang: en
questions:
  - id: qa-probe-question
    question: What do you do?
    options: [One thing, Another thing, A third thing]
    correct: 2
    explanation: Because.
    article: right-to-erasure
    tags: [onboarding]
    difficulty: easy
"""
CLIENTS = b"""clients:
  - id: acme
    name: Acme AB
    controller: Acme AB (556000-0000)
    rights_requests:
      email: dataskydd@acme.example
"""

ROUTINES_BROKEN = {
    "repeated key": (ROUTINE + b"    due_days: 7\n", ":7: due_days: repeated key (first on line"),
    "NUL byte": (ROUTINE.replace(b"Do it", b"Do\x00it"), ":4: yaml: unacceptable character #x0000"),
    "not UTF-8": (ROUTINE.replace(b"Gor", b"G\xf6r"), ":4: file: is not UTF-8 text"),
    "a list at the top": (b"- a\n- b\n", ":1: routines: each routine must be a mapping"),
}  # fmt: skip
QUIZ_BROKEN = {
    "repeated key": (QUIZ + b"    difficulty: hard\n",
                     ":11: questions[0].difficulty: repeated key (first on line 10)"),
    "NUL byte": (QUIZ.replace(b"Because", b"Be\x00cause"), ":7: yaml: syntax error: unacceptable"),
}  # fmt: skip
CLIENTS_BROKEN = {
    "NUL byte": (CLIENTS.replace(b"Acme AB (", b"Acme\x00 AB ("), ":4: yaml: syntax error: unacc"),
}  # fmt: skip


def check(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.splitlines()


@pytest.fixture(autouse=True)
def quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("GDPRBOT_ROUTINES_FILE", "GDPRBOT_QUIZ_DIR", "GDPRBOT_CLIENTS",
                 "GDPRBOT_KNOWLEDGE_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("content,expected", ROUTINES_BROKEN.values(), ids=ROUTINES_BROKEN.keys())
def test_routines_check_names_file_line_and_field(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "routines.yaml"
    path.write_bytes(content)

    code, lines = check("routines", "check", str(path))

    assert code == 1
    assert lines[0].startswith(f"{path}{expected}"), lines


@pytest.mark.parametrize("content,expected", QUIZ_BROKEN.values(), ids=QUIZ_BROKEN.keys())
def test_quiz_check_names_file_line_and_field(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "quiz.yaml"
    path.write_bytes(content)

    code, lines = check("quiz", "check", "--no-shipped", str(path))

    assert code == 1
    assert lines == [line for line in lines if line.startswith(f"{path}:")]  # one line each
    assert lines[0].startswith(f"{path}{expected}"), lines


@pytest.mark.parametrize("content,expected", CLIENTS_BROKEN.values(), ids=CLIENTS_BROKEN.keys())
def test_clients_check_names_file_line_and_field(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "clients.yaml"
    path.write_bytes(content)

    code, lines = check("clients", "check", str(path))

    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"{path}{expected}"), lines


def shipped_article(lang: str) -> bytes:
    from knowledge import SHIPPED_DIR

    text = (SHIPPED_DIR / lang / "access-logging.md").read_bytes()
    return text.replace(b"id: access-logging", b"id: qa-probe")


ARTICLES_BROKEN = {
    "repeated key": (lambda t: t.replace(b"\nowner:", b"\nowner: Someone\nowner:", 1),
                     "owner: repeated key (first on line"),
    "NUL byte": (lambda t: t.replace(b"lang: sv", b"lang: s\x00v"),
                 ":3: yaml: syntax error: unacceptable character #x0000"),
}  # fmt: skip


@pytest.mark.parametrize("breakage,expected", ARTICLES_BROKEN.values(), ids=ARTICLES_BROKEN.keys())
def test_kb_check_names_file_line_and_field(
    tmp_path: Path, breakage: object, expected: str
) -> None:
    for lang in ("sv", "en"):
        (tmp_path / "kb" / lang).mkdir(parents=True)
        content = shipped_article(lang)
        if lang == "sv":
            content = breakage(content)  # type: ignore[operator]
        (tmp_path / "kb" / lang / "qa-probe.md").write_bytes(content)

    code, lines = check("kb", "check", str(tmp_path / "kb"))

    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path / 'kb' / 'sv' / 'qa-probe.md'}:")
    assert expected in lines[0]


def test_an_article_saved_with_a_byte_order_mark_reads_like_any_other(tmp_path: Path) -> None:
    for lang in ("sv", "en"):
        (tmp_path / "kb" / lang).mkdir(parents=True)
        (tmp_path / "kb" / lang / "qa-probe.md").write_bytes(
            b"\xef\xbb\xbf" + shipped_article(lang)
        )

    code, lines = check("kb", "check", str(tmp_path / "kb"))

    assert (code, lines[0].split(":")[0]) == (0, "ok"), lines
