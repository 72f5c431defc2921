"""Adherence reports as files: CSV, JSON, self-contained HTML and a zip evidence package.

Every writer takes the summary plus a *factory* of detail rows (a fresh iterator per call:
the zip package writes the rows twice) and writes bytes to a binary stream as rows
arrive, so memory stays flat however long the report is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal

from routines.reports import spreadsheet
from routines.reports.adherence import OUTCOMES, Summary
from routines.reports.details import DETAIL_FIELDS, DetailRow
from routines.reports.labels import labels
from storage.clock import as_utc

if TYPE_CHECKING:
    from jinja2 import Environment

Format = Literal["csv", "json", "html", "zip"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "json", "html", "zip")
MIME: Final[dict[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "zip": "application/zip",
}
RowFactory = Callable[[], Iterator[DetailRow]]
_TEMPLATES = Path(__file__).with_name("templates")

# --- CSV -----------------------------------------------------------------------------------

_text = spreadsheet.as_text


def local_time(summary: Summary, moment: datetime | None) -> str:
    """`2027-01-05 10:12` in the report's timezone (SQLite hands back naive UTC)."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(summary.scope.tz).isoformat(" ", "minutes")[:16]


def word(names: dict[str, str], kind: str, code: str) -> str:
    """A status, outcome or confirmation code in the report's language ("" stays "")."""
    if not code:
        return ""
    return names.get(f"{kind}.{code}" if kind else code, code)


def csv_cells(row: DetailRow, names: dict[str, str] | None = None) -> list[object]:
    """The row in DETAIL_FIELDS order; free text defused, times local, words translated."""
    names = names or labels("en")
    return [
        row.occurrence_id,
        row.routine_id,
        row.routine_title,  # titles and teams come from the catalogue, not from users
        row.team,
        row.scheduled_date,
        row.due_date,
        word(names, "status", row.status),
        word(names, "", row.outcome),
        _text(row.person),
        _text(row.confirmed_by),
        row.confirmed_local,
        word(names, "confirmation", row.confirmation),
        "" if row.days_late is None else row.days_late,
        _text(row.note),
        _text(row.notes),
        row.ledger_hash,
    ]


def write_csv(summary: Summary, rows: Iterable[DetailRow], out: IO[bytes]) -> None:
    """UTF-8 with BOM (Excel reads å, ä, ö right), one header row, CRLF, text quoted.

    Every text cell is quoted, so commas, semicolons (the Swedish Excel separator),
    quotes and line breaks inside notes survive a round trip.
    """
    # csv.writer appends each line to a list; the lines are joined and encoded a few
    # thousand at a time (one encode and one write per chunk instead of per row).
    lines: list[str] = []
    sink = _Lines(lines)
    writer = csv.writer(sink, quoting=csv.QUOTE_NONNUMERIC, lineterminator=spreadsheet.LINE_END)
    names = labels(summary.scope.lang)
    out.write(spreadsheet.BOM)
    writer.writerow([names[f] for f in DETAIL_FIELDS])
    for row in rows:
        writer.writerow(csv_cells(row, names))
        if len(lines) >= _CSV_CHUNK:
            out.write("".join(lines).encode("utf-8"))
            lines.clear()
    out.write("".join(lines).encode("utf-8"))


_CSV_CHUNK: Final = 2000


class _Lines:
    """A file-like `write` that collects csv.writer's lines in a list."""

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


# --- JSON ----------------------------------------------------------------------------------


def write_json(summary: Summary, rows: Iterable[DetailRow], out: IO[bytes]) -> None:
    """`{"summary": {...}, "details": [...]}`, written row by row."""
    out.write(b'{"summary":')
    out.write(_json_bytes(summary.as_dict()))
    out.write(b',"details":[')
    first = True
    for row in rows:
        if not first:
            out.write(b",\n")
        out.write(_json_bytes(row.as_dict()))
        first = False
    out.write(b"]}\n")


def write_summary_json(summary: Summary, out: IO[bytes]) -> None:
    out.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
    out.write(b"\n")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- HTML ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    rate: float | None
    y: int
    width: int
    text: str


_CHART_WIDTH = 400
_BAR_HEIGHT = 22


def chart_bars(summary: Summary) -> list[Bar]:
    bars = []
    for i, fig in enumerate(summary.routines):
        rate = fig.tally.rate
        bars.append(
            Bar(
                label=fig.title,
                rate=rate,
                y=i * (_BAR_HEIGHT + 6),
                width=round((rate or 0.0) * _CHART_WIDTH),
                text="–" if rate is None else f"{rate:.0%}",
            )
        )
    return bars


def _environment() -> Environment:
    # Imported here: the CSV path (and the CLI's start-up) does not need Jinja2.
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    env.filters["dash"] = lambda v: "–" if v is None or v == "" else v
    return env


def write_html(
    summary: Summary,
    rows: Iterable[DetailRow],
    out: IO[bytes],
    *,
    verify_lines: Sequence[str] = (),
) -> None:
    """One self-contained page: summary tables, inline SVG chart, evidence rows, print CSS."""
    template = _environment().get_template("report.html.j2")
    bars = chart_bars(summary)
    stream = template.generate(
        s=summary,
        t=labels(summary.scope.lang),
        lang=summary.scope.lang,
        outcomes=OUTCOMES,
        bars=bars,
        chart_width=_CHART_WIDTH,
        chart_height=max(1, len(bars)) * (_BAR_HEIGHT + 6),
        bar_height=_BAR_HEIGHT,
        rows=rows,
        local_time=lambda moment: local_time(summary, moment),
        verify_lines=verify_lines,
    )
    buffer: list[str] = []
    size = 0
    for chunk in stream:
        buffer.append(chunk)
        size += len(chunk)
        if size > 64 * 1024:
            out.write("".join(buffer).encode("utf-8"))
            buffer, size = [], 0
    out.write("".join(buffer).encode("utf-8"))


# --- zip evidence package ------------------------------------------------------------------


class HashingWriter(io.RawIOBase):
    """A write-only stream that hashes (SHA-256) and counts what passes through to `target`:
    the zip's manifest entries and the `report.exported` ledger entry are both made so."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.sha256.update(chunk)
        self.size += len(chunk)
        self._target.write(chunk)
        return len(chunk)

    def flush(self) -> None:
        self._target.flush()

    def tell(self) -> int:  # zipfile asks where it is; we are never seekable
        return self.size


_AUDITOR = Path(__file__).with_name("auditor")


@dataclass(frozen=True)
class LedgerExcerpt:
    """What the auditor's package holds of the ledger: entries (JSON Lines) and witnesses."""

    entries: Callable[[], Iterator[dict[str, Any]]]
    witnesses: Sequence[str] = ()  # `seq hash` lines


def write_zip(
    summary: Summary,
    rows: RowFactory,
    out: IO[bytes],
    *,
    verify_lines: Sequence[str],
    head: tuple[int, str],
    excerpt: LedgerExcerpt | None = None,
) -> None:
    """report.html, details.csv, summary.json, verify.txt, the ledger excerpt, witnesses,
    the standalone verifier and its instructions, and manifest.json (SHA-256 each)."""
    members: list[tuple[str, Callable[[IO[bytes]], object]]] = [
        ("report.html", lambda f: write_html(summary, rows(), f, verify_lines=verify_lines)),
        ("details.csv", lambda f: write_csv(summary, rows(), f)),
        ("summary.json", lambda f: write_summary_json(summary, f)),
        ("verify.txt", lambda f: f.write(("\n".join(verify_lines) + "\n").encode("utf-8"))),
    ]
    if excerpt is not None:
        members += [
            ("ledger.jsonl", lambda f: _write_lines(f, map(_json_bytes, excerpt.entries()))),
            ("witnesses.txt", lambda f: _write_lines(f, (w.encode() for w in excerpt.witnesses))),
        ]
        for name, source in _AUDITOR_FILES:
            members.append((name, _copy_of(_AUDITOR / source)))
    manifest: list[dict[str, Any]] = []
    stamp = as_utc(summary.scope.now).astimezone(summary.scope.tz)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, write in members:
            with package.open(_member(name, stamp), "w", force_zip64=True) as member:
                hashing = HashingWriter(member)
                write(hashing)  # type: ignore[arg-type]
            manifest.append(
                {"file": name, "sha256": hashing.sha256.hexdigest(), "bytes": hashing.size}
            )
        about = summary.as_dict()
        document = {
            **{key: about[key] for key in ("organisation", "produced_by", "produced_at")},
            **{key: about[key] for key in ("timezone", "period", "as_of")},
            "ledger_head": {"seq": head[0], "hash": head[1]},
            "files": manifest,
        }
        package.writestr("manifest.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n")


_AUDITOR_FILES = (
    ("verify_package.py", "verify_package.py"),
    ("LÄSMIG.txt", "LASMIG.txt"),
    ("README.txt", "README.txt"),
)


def _copy_of(source: Path) -> Callable[[IO[bytes]], object]:
    return lambda out: out.write(source.read_bytes())


def _write_lines(out: IO[bytes], lines: Iterable[bytes]) -> None:
    for line in lines:
        out.write(line + b"\n")


def _member(name: str, stamp: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_report(
    fmt: Format,
    summary: Summary,
    rows: RowFactory,
    out: IO[bytes],
    *,
    verify: Callable[[], tuple[Sequence[str], tuple[int, str]]] | None = None,
    excerpt: LedgerExcerpt | None = None,
) -> None:
    """Dispatch on format; `verify` (ledger check lines and head) is run for zip only."""
    if fmt == "csv":
        write_csv(summary, rows(), out)
    elif fmt == "json":
        write_json(summary, rows(), out)
    elif fmt == "html":
        write_html(summary, rows(), out)
    elif fmt == "zip":
        lines, head = verify() if verify is not None else ((), (0, ""))
        write_zip(summary, rows, out, verify_lines=lines, head=head, excerpt=excerpt)
    else:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
