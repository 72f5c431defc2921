"""Export an adherence report and record who pulled it (access to evidence is evidence).

Shared by `gdpr-bot report` and the chat `report`/`rapport` command: read the figures and
stream the rows in one read transaction, then append a `report.exported` ledger entry
naming the exporter (person key, or "cli") and the SHA-256 of exactly what was handed out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.reports.adherence import Scope, Summary, summarise
from routines.reports.details import iter_details
from routines.reports.formats import Format, write_report
from storage.sessions import read_session, transaction


@dataclass(frozen=True)
class Exported:
    format: Format
    sha256: str
    bytes: int
    ledger_seq: int
    summary: Summary


class _Counting:
    """Pass bytes through to `target`, hashing and counting them."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self._target.write(chunk)
        return len(chunk)

    def flush(self) -> None:
        self._target.flush()

    # io.TextIOWrapper and zipfile ask these of the stream they write to.
    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False

    def tell(self) -> int:
        return self.size


def _verify_lines(session: Session) -> tuple[Sequence[str], tuple[int, str]]:
    result = ledger.verify(session)
    return result.lines(), (result.head_seq, result.head_hash)


def export_report(
    factory: sessionmaker[Session],
    scope: Scope,
    fmt: Format,
    out: IO[bytes],
    *,
    who: str,
    now: datetime,
) -> Exported:
    """Write the report to `out`, then append `report.exported` (after a complete write)."""
    sink = _Counting(out)
    with read_session(factory) as session:
        summary = summarise(session, scope)
        write_report(
            fmt,
            summary,
            lambda: iter_details(session, scope),
            sink,  # type: ignore[arg-type]
            verify=lambda: _verify_lines(session),
        )
    digest = sink.sha256.hexdigest()
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
    return Exported(fmt, digest, sink.size, seq, summary)
