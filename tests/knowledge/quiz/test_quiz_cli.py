"""`gdpr-bot quiz check` through the real command line: exit codes and file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app

runner = CliRunner()

BROKEN = """\
lang: sv
questions:
  - id: erasure-call
    question: En kund vill bli raderad. Vad gör du?
    options: [Raderar direkt., Skickar vidare., Gör inget.]
    correct: 2
    explanation: Den personuppgiftsansvarige beslutar.
    article: no-such-article
    tags: [rights]
    difficulty: easy
"""


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No .env from the developer's cwd, no extra folders from the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GDPRBOT_QUIZ_DIR", raising=False)
    monkeypatch.delenv("GDPRBOT_KNOWLEDGE_DIR", raising=False)


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_the_shipped_bank_passes() -> None:
    result = gdpr_bot("quiz", "check")
    assert result.exit_code == 0 and result.stdout.startswith("ok: ")


def test_a_broken_file_prints_its_path_line_and_field_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "sv" / "broken.yaml"
    broken.parent.mkdir()
    broken.write_text(BROKEN, encoding="utf-8")
    result = gdpr_bot("quiz", "check", str(broken))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{broken}:8: article: unknown article 'no-such-article' "
        "(no such id in the sv knowledge base)"
    ]


def test_the_quiz_dir_setting_is_checked_when_no_path_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "company-quiz" / "sv"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    monkeypatch.setenv("GDPRBOT_QUIZ_DIR", str(folder.parent))
    result = gdpr_bot("quiz", "check")
    assert result.exit_code == 1 and "no-such-article" in result.stdout


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = gdpr_bot("quiz", "check", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nowhere.yaml'}: no such file or folder"
