"""`gdpr-bot audit exported FILE`: a report handed out earlier is found by its SHA-256 in
the ledger's `report.exported` entries; a file changed after export is not."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from routines import ledger
from tests.bot.cli.cli_runner import run


def exported(tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"q1.{fmt}"
    result = run("report", "--period", "2027-Q1", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("fmt", ["csv", "json", "html", "zip"])
def test_an_exported_file_names_its_ledger_entry(db: Engine, tmp_path: Path, fmt: str) -> None:
    out = exported(tmp_path, fmt)
    result = run("audit", "exported", str(out))
    assert result.exit_code == 0, result.output
    assert f"recorded by ledger entry {ledger.head(db)[0]} ({fmt} 2027-Q1" in result.stdout


def test_a_csv_edited_after_export_is_not_found(db: Engine, tmp_path: Path) -> None:
    out = exported(tmp_path, "csv")
    out.write_bytes(out.read_bytes().replace(b"Bo", b"Bob", 1))
    result = run("audit", "exported", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "changed after export" in result.stderr


def test_a_package_with_its_manifest_recomputed_is_not_found(db: Engine, tmp_path: Path) -> None:
    """verify_package.py cannot tell (the manifest is not signed); the ledger can."""
    out = exported(tmp_path, "zip")
    members = {n: zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist()}
    members["report.html"] = members["report.html"].replace(b"</h1>", b" (OK)</h1>", 1)
    manifest = json.loads(members["manifest.json"])
    for item in manifest["files"]:
        item["sha256"] = hashlib.sha256(members[item["file"]]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    result = run("audit", "exported", str(out))
    assert result.exit_code == 1
    assert "changed after export" in result.stderr


def test_an_entry_in_a_broken_chain_is_not_evidence(db: Engine, tmp_path: Path) -> None:
    out = exported(tmp_path, "csv")
    with db.begin() as conn:
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq = 3")
    result = run("audit", "exported", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("result: BROKEN at entry 3 (removed)")


def test_a_folder_is_a_usage_error(db: Engine, tmp_path: Path) -> None:
    result = run("audit", "exported", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path}: not a file"


def test_a_report_without_the_key_of_a_keyed_ledger_records_nothing(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GDPRBOT_LEDGER_KEY forgotten on one run: one line, exit 2, no entry that would
    read as forged (the ledger stays verifiable with the key)."""
    monkeypatch.setenv("GDPRBOT_LEDGER_KEY", "a-ledger-key-for-this-test-0123456789abcdef")
    exported(tmp_path, "csv")  # keyed from here on
    before = ledger.head(db)
    monkeypatch.delenv("GDPRBOT_LEDGER_KEY")
    result = run("report", "--period", "2027-Q1", "--format", "csv", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "none is configured" in result.stderr
    assert ledger.head(db) == before
