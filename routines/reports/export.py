"""Export an adherence report and record who pulled it (access to evidence is evidence).

Shared by `gdpr-bot report` and the chat `report`/`rapport` command: read the figures and
stream the rows in one read transaction, then append a `report.exported` ledger entry
naming the exporter (person key, or "cli") and the SHA-256 of exactly what was handed out.
An `observe` callback sees each detail row once as it streams past (the chat's summary
of what is missing and who to chase is gathered so, without reading the rows again).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.engine.models import Occurrence
from routines.reports.adherence import ERASED, Scope, Summary, in_scope, summarise
from routines.reports.details import DetailRow, iter_details
from routines.reports.formats import Format, HashingWriter, LedgerExcerpt, write_report
from storage.sessions import read_session, transaction


@dataclass(frozen=True)
class Exported:
    format: Format
    sha256: str
    bytes: int
    ledger_seq: int | None  # None: not recorded (a pretend time in the future)
    summary: Summary
    # The package's own ledger check (verify.txt): None for formats that carry none
    broken: str | None = None  # its result line when the chain or the tables disagree


def _verify_lines(
    session: Session, timezone: str, broken: list[str]
) -> tuple[Sequence[str], tuple[int, str]]:
    result = ledger.verify(session, timezone=timezone)
    lines = result.lines()
    if not result.ok:
        broken.append(lines[-1])
    return lines, (result.head_seq, result.head_hash)


def ledger_excerpt(session: Session, scope: Scope) -> LedgerExcerpt:
    """The ledger from the first entry about an occurrence in scope up to the head, and
    the heads the ledger recorded as sealed or witnessed (for the auditor's package)."""
    e, o = ledger.LedgerEntry, Occurrence
    first = session.scalar(
        in_scope(select(func.min(e.seq)).join(o, o.id == e.occurrence_id), scope)
    )
    start = int(first) if first is not None else ledger.head(session)[0] + 1

    def entries() -> Iterator[dict[str, Any]]:
        rows = session.execute(
            select(e.seq, e.payload, e.prev_hash, e.hash, e.key_id)
            .where(e.seq >= start)
            .order_by(e.seq),
            execution_options={"yield_per": 5000},
        )
        for seq, payload, prev_hash, digest, key_id in rows:
            yield {"seq": seq, "payload": _stored(payload), "prev_hash": _stored(prev_hash),
                   "hash": _stored(digest), "key_id": _stored(key_id)}  # fmt: skip

    witnessed = session.execute(
        select(e.payload).where(e.event.in_((ledger.LEDGER_SEALED, ledger.LEDGER_WITNESSED)))
    )
    lines = []
    for (payload,) in witnessed:
        data = json.loads(payload).get("data", {})
        if isinstance(data.get("seq"), int) and data["seq"] > 0:
            lines.append(f"{data['seq']} {data.get('hash', '')}")
    return LedgerExcerpt(entries, sorted(set(lines), key=lambda line: int(line.split()[0])))


def _stored(value: object) -> object:
    """A text column's value for the excerpt: a BLOB or number an insider stored in its
    place (SQLite's type affinity) is named, so the auditor's check fails on it as
    `audit verify` does, instead of the package failing to build."""
    if value is None or isinstance(value, str):
        return value
    return f"<{type(value).__name__} stored in place of text>"


def export_report(
    factory: sessionmaker[Session],
    scope: Scope,
    fmt: Format,
    out: IO[bytes],
    *,
    who: str,
    now: datetime,
    observe: Callable[[DetailRow], object] | None = None,
    record: bool = True,
) -> Exported:
    """Write the report to `out`, then append `report.exported` (after a complete write);
    `record=False` (a rehearsal as of a pretend time) writes nothing to the database."""
    sink = HashingWriter(out)
    broken: list[str] = []
    with read_session(factory) as session:
        summary = summarise(session, scope)
        passes = [0]

        def rows() -> Iterator[DetailRow]:
            passes[0] += 1  # a zip package streams the rows twice (HTML and CSV)
            details = iter_details(session, scope)
            return _observed(details, observe) if observe and passes[0] == 1 else details

        write_report(
            fmt,
            summary,
            rows,
            sink,  # type: ignore[arg-type]
            verify=lambda: _verify_lines(session, scope.timezone, broken),
            excerpt=ledger_excerpt(session, scope) if fmt == "zip" else None,
        )
    digest = sink.sha256.hexdigest()
    if not record:
        return Exported(fmt, digest, sink.size, None, summary, broken[0] if broken else None)
    with transaction(factory) as session:
        entry = ledger.append_event(
            session,
            ledger.REPORT_EXPORTED,
            {
                "who": who,
                "format": fmt,
                "period": scope.period.label,
                "from": scope.period.start,
                "to": scope.period.end,
                "routine_id": scope.routine_id,
                "sha256": digest,
                "bytes": sink.size,
            },
            now,
        )
        seq = entry.seq
    return Exported(fmt, digest, sink.size, seq, summary, broken[0] if broken else None)


def _observed(
    rows: Iterator[DetailRow], observe: Callable[[DetailRow], object]
) -> Iterator[DetailRow]:
    for row in rows:
        observe(row)
        yield row


@dataclass(frozen=True)
class Missing:
    """An occurrence nobody confirmed in time, as the chat summary lists it."""

    title: str
    scheduled: str  # ISO date
    due: str  # ISO date


class Shortfall:
    """What is missing and who to chase, gathered from the detail rows as they stream past.

    One line per missing occurrence; per person (by name), how many missing occurrences
    still wait for their confirmation. Erased people are never named.
    """

    def __init__(self) -> None:
        self.missing: list[Missing] = []
        self.chase: Counter[str] = Counter()
        self._seen: set[int] = set()
        self._erased = set(ERASED.values())

    def __call__(self, row: DetailRow) -> None:
        if row.outcome != "missing":
            return
        if row.occurrence_id not in self._seen:
            self._seen.add(row.occurrence_id)
            self.missing.append(Missing(row.routine_title, row.scheduled_date, row.due_date))
        if not row.confirmation and row.person and row.person not in self._erased:
            self.chase[row.person] += 1
