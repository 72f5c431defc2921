"""A broken client directory stops the commands that read it with its place: file, line,
field (`gdpr-bot ask` one line and how many more; `chat`/`run` every problem, in
tests/bot/platforms/console/test_console.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


def test_ask_names_the_first_problem_with_file_and_line_and_how_many_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "clients.yaml"
    directory.write_text("clients:\n  - id: Acme\n    name: Acme AB\n", encoding="utf-8")
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(directory))
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")

    result = CliRunner().invoke(app, ["ask", "kunden vill bli raderad"])

    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"error: the client directory is broken: {directory}:2: id:")
    assert "more: gdpr-bot clients check)" in line
