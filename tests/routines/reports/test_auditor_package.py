"""The auditor's package: its standalone verifier, run by a bare `python3` outside the
project's virtualenv (standard library only), passes a real package and fails tampered ones."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from routines.ledger.keys import LedgerKeys, current_keys, use_keys
from routines.reports.export import export_report
from tests.routines import report_scenario as scenario

KEY = "auditor-test-key-0123456789abcdef0123456789abcdef"
BARE_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


@pytest.fixture
def keyed_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    before = current_keys()
    use_keys(LedgerKeys.of([KEY]))
    try:
        yield from scenario.sessions(sqlite_url)
    finally:
        use_keys(before)


@pytest.fixture
def package(keyed_factory: sessionmaker[Session], tmp_path: Path) -> Path:
    out = io.BytesIO()
    export_report(keyed_factory, scenario.scope(), "zip", out, who="cli", now=scenario.NOW)
    path = tmp_path / "evidence.zip"
    path.write_bytes(out.getvalue())
    return path


def verify(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Extract the verifier and run it with the system's python3, isolated (-I: no site)."""
    assert BARE_PYTHON is not None, "no python3 outside the virtualenv"
    script = package.with_name("verify_package.py")
    script.write_bytes(zipfile.ZipFile(package).read("verify_package.py"))
    return subprocess.run(
        [BARE_PYTHON, "-I", str(script), str(package), *args],
        capture_output=True, text=True, check=False, cwd=package.parent, timeout=120,
    )  # fmt: skip


def rewritten(package: Path, name: str, change: object) -> Path:
    """A copy of the package with one member changed and the manifest made to match."""
    source = zipfile.ZipFile(package)
    members = {n: source.read(n) for n in source.namelist()}
    members[name] = change(members[name])  # type: ignore[operator]
    manifest = json.loads(members["manifest.json"])
    for item in manifest["files"]:
        item["sha256"] = hashlib.sha256(members[item["file"]]).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    target = package.with_name("tampered.zip")
    with zipfile.ZipFile(target, "w") as out:
        for member, data in members.items():
            out.writestr(member, data)
    return target


def test_the_package_holds_the_ledger_excerpt_the_verifier_and_instructions(
    package: Path,
) -> None:
    names = set(zipfile.ZipFile(package).namelist())
    assert {
        "ledger.jsonl",
        "witnesses.txt",
        "verify_package.py",
        "LÄSMIG.txt",
        "README.txt",
    } <= names


def test_a_bare_python3_verifies_a_real_package_with_the_key(package: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    result = verify(package, "--key-file", str(key_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "result: OK"
    assert "keyed hashes not recomputed" not in result.stdout


def test_a_changed_file_fails_against_the_manifest(package: Path) -> None:
    source = zipfile.ZipFile(package)
    target = package.with_name("edited.zip")
    with zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            out.writestr(name, data.replace(b"Anna", b"Olle") if name == "details.csv" else data)
    result = verify(target)
    assert result.returncode == 1
    assert "details.csv: its SHA-256 differs" in result.stdout


def test_a_rewritten_ledger_entry_fails_with_the_key(package: Path, tmp_path: Path) -> None:
    def forge(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        entry = json.loads(lines[0])
        entry["payload"] = entry["payload"].replace('"retention"', '"training"')
        lines[0] = json.dumps(entry)
        return ("\n".join(lines) + "\n").encode()

    key_file = tmp_path / "key.txt"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    result = verify(rewritten(package, "ledger.jsonl", forge), "--key-file", str(key_file))
    assert result.returncode == 1
    assert "its hash does not match its payload" in result.stdout


def test_figures_that_disagree_with_the_rows_fail(package: Path) -> None:
    def inflate(data: bytes) -> bytes:
        summary = json.loads(data)
        summary["total"]["on_time"] += 1
        return json.dumps(summary).encode()

    result = verify(rewritten(package, "summary.json", inflate))
    assert result.returncode == 1
    assert "summary.json says on_time" in result.stdout


def test_a_late_confirmation_rewritten_as_on_time_in_the_rows_fails(package: Path) -> None:
    """B1 was confirmed 01-14, due 01-11: the ledger's confirmation and occurrence entries
    say late, whatever details.csv and summary.json (rewritten to agree) claim."""

    def on_time(data: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        for row in rows[1:]:
            if row[1] == "dsr-queue" and row[4] == "2027-01-04":
                row[6], row[7] = "klar", "i tid"
        text = io.StringIO()
        csv.writer(text, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n").writerows(rows)
        return ("\ufeff" + text.getvalue()).encode("utf-8")

    def agree(data: bytes) -> bytes:
        summary = json.loads(data)
        summary["total"]["late"] -= 1
        summary["total"]["on_time"] += 1
        return json.dumps(summary).encode()

    forged = rewritten(rewritten(package, "details.csv", on_time), "summary.json", agree)
    result = verify(forged)
    assert result.returncode == 1, result.stdout
    assert "on time in details.csv" in result.stdout


def test_a_due_date_moved_in_the_rows_fails(package: Path) -> None:
    def later(data: bytes) -> bytes:
        return data.replace(b'"2027-01-11"', b'"2027-01-31"')

    result = verify(rewritten(package, "details.csv", later))
    assert result.returncode == 1, result.stdout
    assert "the ledger says 2027-01-11" in result.stdout


def test_a_null_payload_in_the_excerpt_fails_in_one_line(package: Path) -> None:
    def null_first(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        entry = json.loads(lines[0])
        entry["payload"] = None
        return ("\n".join([json.dumps(entry), *lines[1:]]) + "\n").encode()

    result = verify(rewritten(package, "ledger.jsonl", null_first))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1].startswith("FAILED: the package is malformed (TypeError")


def test_a_file_that_is_not_a_package_fails_in_one_line(package: Path) -> None:
    broken = package.with_name("broken.zip")
    broken.write_bytes(package.read_bytes()[:200])
    script = package.with_name("verify_package.py")
    script.write_bytes(zipfile.ZipFile(package).read("verify_package.py"))
    assert BARE_PYTHON is not None
    result = subprocess.run(
        [BARE_PYTHON, "-I", str(script), str(broken)], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.startswith("FAILED: cannot read the package")


def test_the_verifier_prints_the_package_sha256_to_find_in_the_ledger(package: Path) -> None:
    result = verify(package)
    assert f"package sha256: {hashlib.sha256(package.read_bytes()).hexdigest()}" in result.stdout


def test_a_key_file_with_a_byte_order_mark_verifies_the_package(
    package: Path, tmp_path: Path
) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_bytes(b"\xef\xbb\xbf" + KEY.encode("utf-8") + b"\r\n")  # Notepad's save
    result = verify(package, "--key-file", str(key_file))
    assert result.stdout.splitlines()[-1] == "result: OK", result.stdout + result.stderr
    assert "keyed hashes not recomputed" not in result.stdout  # the key was recognised
