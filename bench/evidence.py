"""Benchmark: `report --format csv` and `audit verify` over a large evidence ledger.

    .venv/bin/python bench/evidence.py                 # 1,000,000 entries, SQLite and PostgreSQL
    .venv/bin/python bench/evidence.py --entries 100000 --db sqlite

Bulk-generates N ledger entries (two per occurrence: `occurrence.created` and a
confirmation, not-applicable or reminder entry) with matching occurrences, assignees,
confirmations and people, computing the hash chain in Python and inserting with
executemany (SQLite) or COPY (PostgreSQL) into a fresh database / schema that is dropped
afterwards. Then runs both commands as subprocesses and reads each one's wall time and
peak RSS (os.wait4). Target: each <= 10 s and <= 200 MB. Figures are appended to
docs/performance.md, section "Evidence ledger and reports".
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

from routines.ledger import GENESIS_HASH, build_payload  # noqa: E402
from routines.ledger.keys import key_id_for  # noqa: E402
from storage.engines import make_engine  # noqa: E402
from storage.migrate import create_schema  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "GDPRBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PERFORMANCE_MD = REPO / "docs" / "performance.md"
SECTION = "## Evidence ledger and reports"
TARGET_SECONDS = 10.0
TARGET_MB = 200.0

ROUTINES = 1000
PEOPLE = 200
FIRST_DAY = date(2027, 1, 1)
PERIOD = ("2027-01-01", "2030-12-31")
AS_OF = "2031-01-01T00:00"
T0 = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
BENCH_KEY = "bench-ledger-key-0123456789abcdef0123456789abcdef"  # entries are HMAC, as with a key
BENCH_KEY_BYTES, BENCH_KEY_ID = BENCH_KEY.encode(), key_id_for(BENCH_KEY.encode())


@dataclass(frozen=True)
class Measure:
    command: str
    seconds: float
    cpu_seconds: float  # user + system: what the command cost, whatever else the box runs
    peak_mb: float
    exit_code: int


# --- data generation -----------------------------------------------------------------------


# bucket of i % 20 -> (status, confirmation kind, days after posting it was closed)
_OUTCOMES: dict[int, tuple[str, str | None, int]] = {
    **{b: ("done", "confirm", 2) for b in range(16)},  # 80 % on time
    16: ("late", "confirm", 10),  # 10 % late
    17: ("late", "confirm", 12),
    18: ("not_applicable", "not_applicable", 0),  # 5 %
    19: ("missed", None, 30),  # 5 %
}
_NOTES = {"confirm": "ok; klart", "not_applicable": "inga ärenden"}


def _occurrence_rows(count: int) -> Iterator[tuple[Any, ...]]:
    """(id, routine, scheduled, due, status, closed_at, person, kind, confirmed_at, note)."""
    for i in range(1, count + 1):
        routine = f"routine-{i % ROUTINES:04d}"
        scheduled = FIRST_DAY + timedelta(days=i // ROUTINES)
        person = f"p{i % PEOPLE:031d}"
        status, kind, days = _OUTCOMES[i % 20]
        posted = datetime.combine(scheduled, datetime.min.time(), UTC) + timedelta(hours=9)
        closed = posted + timedelta(days=days)
        confirmed = closed if kind else None
        note = _NOTES.get(kind or "")
        yield (
            i,
            routine,
            scheduled,
            scheduled + timedelta(days=7),
            status,
            closed,
            person,
            kind,
            confirmed,
            note,
        )


ENTRIES_PER_OCCURRENCE = 4


def _payload(seq: int, event: str, data: str, at: datetime) -> str:
    """The canonical payload, formatted directly (json.dumps is the slow part of generating).

    Checked against `build_payload` for the first entries, so the chain is the real one.
    """
    return f'{{"at":"{at.isoformat()}","data":{data},"event":"{event}","seq":{seq}}}'


def _ledger_rows(occurrences: int) -> Iterator[tuple[Any, ...]]:
    """(seq, payload, prev_hash, hash (HMAC), created_at, event, occurrence_id, person_key, key_id).

    Four entries per occurrence: created, reminder posted, re-reminder, and then the
    confirmation, the not-applicable or (for a missed one) the escalation.
    """
    prev = GENESIS_HASH
    seq = 0
    for (
        i,
        routine,
        scheduled,
        _due,
        _status,
        _closed,
        person,
        kind,
        confirmed_at,
        _n,
    ) in _occurrence_rows(occurrences):
        created = T0 + timedelta(seconds=i)
        plain = f'{{"occurrence_id":{i}}}'
        by_person = f'{{"occurrence_id":{i},"person_key":"{person}"}}'
        entries = [
            ("occurrence.created",
             f'{{"occurrence_id":{i},"routine_id":"{routine}","scheduled_date":"{scheduled}"}}',
             None, created),
            ("reminder.posted", plain, None, created),
            ("reminder.reposted", plain, None, created),
        ]  # fmt: skip
        if kind == "confirm":
            entries.append(("confirmation.recorded", by_person, person, confirmed_at))
        elif kind == "not_applicable":
            entries.append(("occurrence.not_applicable", by_person, person, confirmed_at))
        else:
            entries.append(("escalation.posted", plain, None, created))
        for event, data, key, at in entries:
            seq += 1
            payload = _payload(seq, event, data, at)
            if seq <= 8:
                assert payload == build_payload(seq, event, json.loads(data), at), payload
            digest = hmac.new(BENCH_KEY_BYTES, (prev + payload).encode(), sha256).hexdigest()
            yield seq, payload, prev, digest, at, event, i, key, BENCH_KEY_ID
            prev = digest


LEDGER_COLS = "seq, payload, prev_hash, hash, created_at, event, occurrence_id, person_key, key_id"
PEOPLE_COLS = "person_key, platform, platform_user_id, display_name, created_at, last_seen_at"
ASSIGNEE_COLS = "id, occurrence_id, person_key, platform"
CONFIRMATION_COLS = "id, occurrence_id, person_key, kind, note, created_at"
OCC_COLS = (
    "id, routine_id, scheduled_date, post_date, due_date, status, confirm_mode, "
    "anyone_in_channel, created_at, created_late, closed_at"
)


def _batches(rows: Iterator[tuple[Any, ...]], size: int = 20000) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _occ(r: tuple[Any, ...]) -> tuple[Any, ...]:
    return (r[0], r[1], r[2], r[2], r[3], r[4], "any", False, T0, False, r[5])


def populate(engine: Engine, entries: int) -> tuple[int, str]:
    occurrences = entries // ENTRIES_PER_OCCURRENCE
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            cur.execute("BEGIN")
        people = [
            (f"p{i:031d}", "slack", f"U{i:05d}", f"Person {i}", T0, T0) for i in range(PEOPLE)
        ]
        _insert(engine, cur, "people", PEOPLE_COLS, iter(people))
        _insert(engine, cur, "occurrences", OCC_COLS, map(_occ, _occurrence_rows(occurrences)))
        assignees = ((r[0], r[0], r[6], "slack") for r in _occurrence_rows(occurrences))
        _insert(engine, cur, "occurrence_assignees", ASSIGNEE_COLS, assignees)
        confirmations = (
            (r[0], r[0], r[6], r[7], r[9], r[8]) for r in _occurrence_rows(occurrences) if r[7]
        )
        _insert(engine, cur, "confirmations", CONFIRMATION_COLS, confirmations)
        last: tuple[int, str] = (0, GENESIS_HASH)

        def ledger_rows() -> Iterator[tuple[Any, ...]]:
            nonlocal last
            for row in _ledger_rows(occurrences):
                last = (row[0], row[3])
                yield row

        _insert(engine, cur, "ledger_entries", LEDGER_COLS, ledger_rows())
        cur.execute(f"UPDATE ledger_head SET seq = {last[0]}, hash = '{last[1]}' WHERE id = 1")
        if engine.dialect.name == "postgresql":
            for table in (
                "people",
                "occurrences",
                "occurrence_assignees",
                "confirmations",
                "ledger_entries",
            ):
                cur.execute(f"ANALYZE {table}")
            for table in ("occurrences", "occurrence_assignees", "confirmations"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        raw.commit()
        if engine.dialect.name == "sqlite":
            cur.execute("ANALYZE")
        return last
    finally:
        raw.close()


def _insert(
    engine: Engine, cur: Any, table: str, cols: str, rows: Iterator[tuple[Any, ...]]
) -> None:
    if engine.dialect.name == "postgresql":
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in cols.split(","))
    statement = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
    for batch in _batches(_sqlite_values(rows)):
        cur.executemany(statement, batch)


def _sqlite_values(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    # SQLAlchemy stores SQLite datetimes as naive UTC text; match that format.
    for row in rows:
        yield tuple(
            v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime)
            else v.isoformat() if isinstance(v, date) else v
            for v in row
        )  # fmt: skip


# --- measuring -----------------------------------------------------------------------------


def run_measured(args: list[str], url: str, label: str, out: Path | None = None) -> Measure:
    env = {**os.environ, "GDPRBOT_DATABASE_URL": url, "GDPRBOT_ROUTINES_FILE": "",
           "GDPRBOT_LEDGER_KEY": BENCH_KEY}  # fmt: skip
    command = [sys.executable, "-c", "from bot.cli import main; main()", *args]
    started = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0 and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-2000:])
    if proc.stderr is not None:
        proc.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(label, seconds, cpu, usage.ru_maxrss / 1024, proc.returncode)


@dataclass(frozen=True)
class Result:
    database: str
    entries: int
    generate_seconds: float
    report: Measure
    verify: Measure
    report_bytes: int


def bench_one(database: str, entries: int, workdir: Path) -> Result:
    schema = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'evidence.db'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    try:
        engine = make_engine(url)
        create_schema(engine)
        started = time.perf_counter()
        head = populate(engine, entries)
        generated = time.perf_counter() - started
        engine.dispose()
        print(f"[{database}] generated {head[0]:,} ledger entries in {generated:.1f} s", flush=True)
        csv_path = workdir / f"report-{database}.csv"
        report = run_measured(
            ["report", "--from", PERIOD[0], "--to", PERIOD[1], "--format", "csv",
             "--out", str(csv_path), "--now", AS_OF],
            url, "report --format csv",
        )  # fmt: skip
        verify = run_measured(["audit", "verify", "--head", head[1]], url, "audit verify")
        size = csv_path.stat().st_size if csv_path.exists() else 0
        return Result(database, head[0], generated, report, verify, size)
    finally:
        if schema is not None:
            admin = create_engine(PG_ADMIN_URL)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _verdict(m: Measure) -> str:
    ok = m.exit_code == 0 and m.seconds <= TARGET_SECONDS and m.peak_mb <= TARGET_MB
    return "ok" if ok else ("FAILED" if m.exit_code else "over target")


BEGIN = "<!-- bench/evidence.py results: begin -->"
END = "<!-- bench/evidence.py results: end -->"


def table(results: list[Result]) -> list[str]:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    machine = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    lines = [
        "| date (UTC) | machine | database | ledger entries | command | wall (s) | CPU (s) "
        "| peak RSS (MB) |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for r in results:
        for m in (r.report, r.verify):
            lines.append(
                f"| {stamp} | {machine} | {r.database} | {r.entries:,} | `{m.command}` | "
                f"{m.seconds:.1f} | {m.cpu_seconds:.1f} | {m.peak_mb:.0f} |"
            )
            machine = "same run"
    return lines


def record(results: list[Result]) -> None:
    """Replace the results table in docs/performance.md; keep every other word there."""
    block = "\n".join([BEGIN, *table(results), END])
    existing = PERFORMANCE_MD.read_text("utf-8") if PERFORMANCE_MD.exists() else "# Performance\n"
    if BEGIN in existing and END in existing:
        head, _, rest = existing.partition(BEGIN)
        _, _, tail = rest.partition(END)
        updated = head + block + tail
    else:
        intro = f"`bench/evidence.py`: {ENTRIES_PER_OCCURRENCE} ledger entries per occurrence."
        updated = existing.rstrip("\n") + f"\n\n{SECTION}\n\n{intro}\n\n{block}\n"
    PERFORMANCE_MD.write_text(updated, "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--no-record", action="store_true", help="do not touch docs/")
    options = parser.parse_args()
    databases = ["sqlite", "postgres"] if options.db == "both" else [options.db]
    results = []
    with tempfile.TemporaryDirectory(prefix="gdpr-evidence-") as tmp:
        for database in databases:
            result = bench_one(database, options.entries, Path(tmp))
            results.append(result)
            for m in (result.report, result.verify):
                print(
                    f"[{database}] {m.command}: {m.seconds:.2f} s wall, {m.cpu_seconds:.2f} s CPU, "
                    f"peak RSS {m.peak_mb:.0f} MB, exit {m.exit_code} ({_verdict(m)})",
                    flush=True,
                )
    print("\n".join(table(results)))
    if not options.no_record:
        record(results)
        print(f"recorded in {PERFORMANCE_MD.relative_to(REPO)}")
    failed = any(m.exit_code for r in results for m in (r.report, r.verify))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
