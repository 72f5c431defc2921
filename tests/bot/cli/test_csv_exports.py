"""Every CSV the bot exports has the same shape, the one Excel reads right: UTF-8 with a
byte-order mark (so å, ä, ö are not shown as Ã¥…), a header row, CRLF line ends."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from clients import EXAMPLE_DIR
from storage.engines import make_engine
from storage.migrate import create_schema

REPORT = ("report", "--period", "2027-Q1", "--format", "csv")
EXPORTS = {
    "adherence report": REPORT,
    "training report": (*REPORT, "--training"),
    "client report": (*REPORT, "--client", "solvinge"),
    "insights": ("insights", "--format", "csv"),
}


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    engine = make_engine(sqlite_url)
    create_schema(engine)
    engine.dispose()
    yield


def assert_excel_csv(content: bytes) -> None:
    assert content.startswith(codecs.BOM_UTF8)
    assert content.endswith(b"\r\n")
    assert b"\n" not in content.replace(b"\r\n", b""), "a line ends in a bare LF"
    header = content[len(codecs.BOM_UTF8) :].split(b"\r\n")[0].decode("utf-8")
    assert header and not header.startswith("\ufeff")


@pytest.mark.parametrize("export", EXPORTS)
def test_a_csv_written_to_a_file_is_excel_csv(database: None, tmp_path: Path, export: str) -> None:
    out = tmp_path / "export.csv"
    result = CliRunner().invoke(app, [*EXPORTS[export], "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_excel_csv(out.read_bytes())


@pytest.mark.parametrize("export", EXPORTS)
def test_a_csv_written_to_stdout_is_excel_csv(database: None, export: str) -> None:
    result = CliRunner().invoke(app, list(EXPORTS[export]))
    assert result.exit_code == 0, result.output
    assert_excel_csv(result.stdout_bytes)
