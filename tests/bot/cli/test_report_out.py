"""Where a report goes when the place is not an ordinary file, or refuses the bytes.

`--out` names a regular file (written beside it and renamed into place), or a device or
named pipe (`/dev/stdout`, a FIFO a script reads), which is written into: renaming onto
it would replace the device itself. A file that could not be written is never recorded
as exported.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clients import EXAMPLE_DIR
from routines import ledger
from storage.engines import make_engine
from storage.migrate import create_schema
from tests.bot.cli.cli_runner import run

REPORTS = {
    "adherence": ["report", "--period", "2027-Q1"],
    "training": ["report", "--training", "--period", "2027-Q1"],
    "client": ["report", "--client", "solvinge", "--period", "2027-Q1"],
}


@pytest.fixture
def database(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GDPRBOT_ROUTINES_FILE", "")
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    engine = make_engine(sqlite_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pipe(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A named pipe and an open end of it (read-write, so opening it to write never waits)."""
    path = tmp_path / "report.pipe"
    os.mkfifo(path)
    end = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    yield path, end
    os.close(end)


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_out_a_named_pipe_is_written_into_not_replaced(
    database: Engine, pipe: tuple[Path, int], report: list[str]
) -> None:
    path, end = pipe

    result = run(*report, "--format", "csv", "--out", str(path))

    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(path.stat().st_mode)
    assert os.read(end, 1 << 16).startswith(b"\xef\xbb\xbf")  # the CSV, through the pipe


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_a_report_standard_output_cannot_take_is_one_line_and_not_recorded(
    database: Engine, report: list[str]
) -> None:
    before = ledger.head(database)
    with open("/dev/full", "wb") as full:  # every write: no space left on device
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *report, "--format", "csv"],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
        )  # fmt: skip

    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert ledger.head(database) == before  # no report.exported for bytes nobody got
