"""`gdpr-bot report` and `gdpr-bot audit`: output and exit codes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from routines import ledger
from storage.sessions import session_factory
from tests.bot.cli.cli_runner import run

NOW = "2027-04-10T09:00"


# --- report --------------------------------------------------------------------------------


def test_report_writes_the_file_and_exits_zero(db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "q1.json"
    result = run(
        "report", "--period", "2027-Q1", "--format", "json", "--out", str(out), "--now", NOW
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["summary"]["total"]["occurrences"] == 6


def test_report_from_to_equals_the_quarter(db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "q1.json"
    result = run(
        "report", "--from", "2027-01-01", "--to", "2027-03-31", "--format", "json",
        "--out", str(out), "--now", NOW,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["summary"]["total"]["adherence_rate"] == 0.25


def test_report_to_stdout_is_csv_by_default(db: Engine) -> None:
    result = run("report", "--period", "2027-Q1", "--routine", "training", "--now", NOW)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert result.stdout_bytes.count(b"\r\n") == 3  # header + two rows


def test_report_as_of_a_past_time_records_the_export_at_the_real_time(db: Engine) -> None:
    result = run(
        "report", "--period", "2027-Q1", "--routine", "training", "--now", "2021-04-10T09:00"
    )
    assert result.exit_code == 0
    with db.connect() as conn:
        entry = conn.execute(
            ledger.LedgerEntry.__table__.select().order_by(ledger.LedgerEntry.seq.desc()).limit(1)
        ).one()
    assert entry.event == ledger.REPORT_EXPORTED
    assert not entry.payload.count('"at":"2021-04-10')


@pytest.mark.parametrize("fmt", ["csv", "zip"])
def test_report_as_of_a_future_time_writes_nothing_to_the_database(
    db: Engine, tmp_path: Path, fmt: str
) -> None:
    before = dump(db)
    out = tmp_path / f"rehearsal.{fmt}"
    result = run("report", "--period", "2027-Q1", "--format", fmt, "--out", str(out),
                 "--now", "2099-01-01T09:00")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    assert "not recorded" in result.output
    assert dump(db) == before


def dump(engine: Engine) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table."""
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        return [(table, [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table}"))])
                for table in sorted(inspect(conn).get_table_names())]  # fmt: skip


def test_report_zip_package(db: Engine, tmp_path: Path) -> None:
    out = tmp_path / "evidence.zip"
    result = run(
        "report", "--period", "2027-Q1", "--format", "zip", "--out", str(out), "--now", NOW
    )
    assert result.exit_code == 0, result.output
    assert "manifest.json" in zipfile.ZipFile(out).namelist()


@pytest.mark.parametrize(
    "args",
    [
        ("--period", "2027-Q5"),
        ("--from", "2027-01-01"),
        ("--period", "2027-Q1", "--from", "2027-01-01", "--to", "2027-03-31"),
        ("--from", "2027-02-30", "--to", "2027-03-31"),
        ("--period", "2027-Q1", "--format", "pdf"),
        ("--period", "2027-Q1", "--lang", "de"),
        ("--period", "2027-Q1", "--now", "yesterday"),
        ("--period", "2027-Q1", "--routine", "no-such-routine"),
    ],
)
def test_bad_input_exits_two_and_writes_nothing(
    db: Engine, tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "never.csv"
    before = ledger.head(db)
    result = run("report", *args, "--out", str(out))
    assert result.exit_code == 2
    assert "error:" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()
    assert ledger.head(db) == before  # no report.exported either


def test_report_on_a_database_without_schema_exits_two_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    out = tmp_path / "r.csv"
    result = run("report", "--period", "2027-Q1", "--out", str(out), "--now", NOW)
    assert result.exit_code == 2
    assert "db upgrade" in result.output and "Traceback" not in result.output
    assert not out.exists()


# --- audit ---------------------------------------------------------------------------------


def test_audit_head_prints_seq_and_hash(db: Engine) -> None:
    result = run("audit", "head")
    seq, digest = ledger.head(db)
    assert result.exit_code == 0
    assert result.output.strip() == f"{seq} {digest}"


def test_audit_verify_clean_exits_zero(db: Engine) -> None:
    result = run("audit", "verify")
    assert result.exit_code == 0
    assert "result: OK" in result.output


def test_audit_verify_without_a_witness_says_what_it_cannot_see(db: Engine) -> None:
    result = run("audit", "verify")
    assert result.stderr.startswith("note: no witness checked: entries cut from the end")
    witnessed = run("audit", "verify", "--head", ledger.head(db)[1])
    assert witnessed.exit_code == 0 and witnessed.stderr == ""


def test_audit_verify_tampered_exits_one_naming_the_entry(db: Engine) -> None:
    with db.begin() as conn:
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq = 5")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "BROKEN at entry 5 (removed)" in result.output


def test_audit_verify_of_a_blob_payload_exits_one_naming_the_entry(db: Engine) -> None:
    with db.begin() as conn:  # SQLite keeps a BLOB in a TEXT column (type affinity)
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("UPDATE ledger_entries SET payload = CAST(payload AS BLOB) "
                             "WHERE seq = 5")  # fmt: skip
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "result: BROKEN at entry 5 (changed): entry 5: its payload is a bytes value, not text"
    )


def test_an_evidence_package_of_a_blob_payload_says_broken(db: Engine, tmp_path: Path) -> None:
    with db.begin() as conn:
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("UPDATE ledger_entries SET payload = CAST(payload AS BLOB) "
                             "WHERE seq = 5")  # fmt: skip
    out = tmp_path / "q1.zip"
    result = run("report", "--period", "2027-Q1", "--format", "zip", "--out", str(out))
    assert result.exit_code == 0, result.output
    verify_txt = zipfile.ZipFile(out).read("verify.txt").decode()
    assert "result: BROKEN at entry 5 (changed)" in verify_txt
    assert "warning: the evidence in it does not verify: result: BROKEN at entry 5" in (
        result.stderr
    )


def test_an_evidence_package_of_an_intact_ledger_carries_no_warning(
    db: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "q1.zip"
    result = run("report", "--period", "2027-Q1", "--format", "zip", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_audit_verify_names_a_truncated_tail_by_the_head_row(db: Engine) -> None:
    with db.begin() as conn:
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq > 9")
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "head_mismatch" in result.output


def _cut_tail_and_head_row(db: Engine, keep: int) -> None:
    with db.begin() as conn:
        for ddl in ledger.drop_append_only_ddl("sqlite"):
            conn.exec_driver_sql(ddl)
        conn.exec_driver_sql(f"DELETE FROM ledger_entries WHERE seq > {keep}")
        digest = conn.exec_driver_sql(f"SELECT hash FROM ledger_entries WHERE seq = {keep}")
        conn.exec_driver_sql(f"UPDATE ledger_head SET seq = {keep}, hash = '{digest.scalar()}'")


def test_audit_verify_truncated_with_head_exits_one(db: Engine) -> None:
    witnessed = ledger.head(db)[1]
    _cut_tail_and_head_row(db, 9)
    result = run("audit", "verify", "--head", witnessed)
    assert result.exit_code == 1
    assert "truncated" in result.output


def test_audit_witness_then_verify_checks_the_witness_file(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_LEDGER_WITNESS_FILE", str(tmp_path / "witness.txt"))
    witnessed = run("audit", "witness")
    assert witnessed.exit_code == 0, witnessed.output
    seq = int(witnessed.stdout.split()[0])
    assert (tmp_path / "witness.txt").read_text().startswith(witnessed.stdout.strip())
    clean = run("audit", "verify")
    assert clean.exit_code == 0, clean.output
    assert "witnesses checked: 1" in clean.stdout
    _cut_tail_and_head_row(db, seq - 2)
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert "truncated" in broken.output


def test_audit_verify_with_a_witness_file_that_is_not_text_exits_two(
    db: Engine, tmp_path: Path
) -> None:
    binary = tmp_path / "heads.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = run("audit", "verify", "--witness", str(binary))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {binary}: not UTF-8 text (a witness file holds `seq hash` lines)"
    )


def test_audit_verify_with_a_witness_file_that_has_a_bad_line_exits_two(
    db: Engine, tmp_path: Path
) -> None:
    bad = tmp_path / "heads.txt"
    bad.write_text("12 not-a-hash\n", encoding="utf-8")
    result = run("audit", "verify", "--witness", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:1: witness:" in result.output


def test_a_witness_file_saved_with_a_byte_order_mark_is_read(db: Engine, tmp_path: Path) -> None:
    # the seal routine asks people to paste heads into a file: Notepad saves a BOM
    seq, digest = ledger.head(db)
    pasted = tmp_path / "heads.txt"
    pasted.write_bytes(f"\ufeff{seq} {digest}\r\n".encode())
    result = run("audit", "verify", "--witness", str(pasted))
    assert result.exit_code == 0, result.output
    assert "witnesses checked: 1" in result.stdout


def test_an_intact_verify_is_what_the_overview_shows_as_last_verified(db: Engine) -> None:
    from routines.ledger.status import ledger_status

    seq, digest = ledger.head(db)
    assert run("audit", "verify").exit_code == 0
    with session_factory(db)() as session:
        status = ledger_status(session)
    assert status.last_verify is not None
    assert (status.last_verify.seq, status.last_verify.hash) == (seq, digest)


def test_audit_verify_of_an_unreachable_database_exits_two_not_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = run("audit", "verify")
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_audit_verify_rejects_a_malformed_head(db: Engine) -> None:
    assert run("audit", "verify", "--head", "abc").exit_code == 2
