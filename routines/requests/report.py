"""Proof for one client: the requests received in a period, forwarded within the promise
or late, and open: what a controller asks its processor for (Art. 28(3)(e) and (h)).

`client_report` reads the register; `write_report` writes it as CSV, JSON, HTML or a zip
of all three with their SHA-256 sums, and `record_export` appends the `report.exported`
ledger entry naming the file's hash.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import statistics
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from sqlalchemy.orm import Session, sessionmaker

from routines.ledger.chain import REPORT_EXPORTED, append_event
from routines.reports import spreadsheet
from routines.requests.deadlines import business_days_between
from routines.requests.register import RequestRegister, RequestView
from storage.sessions import transaction

ReportFormat = Literal["csv", "json", "html", "zip"]
REPORT_FORMATS: Final = ("csv", "json", "html", "zip")
Outcome = Literal["on_time", "late", "open", "open_late"]
COLUMNS: Final = (
    "code", "client", "type", "client_ref", "received", "forward_by", "forwarded_at",
    "forwarded_via", "business_days_to_forward", "outcome", "respond_by",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    request: RequestView
    outcome: Outcome
    business_days: int | None  # receipt to forwarding, Swedish business days


@dataclass(frozen=True)
class ClientReport:
    client_id: str
    client_name: str
    start: date
    end: date
    as_of: date
    rows: tuple[Row, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def received(self) -> int:
        return len(self.rows)

    @property
    def on_time_share(self) -> float | None:
        """Forwarded within the promise, of those whose day has come (open, not yet due,
        ones do not count yet)."""
        judged = self.received - self.count("open")
        return self.count("on_time") / judged if judged else None

    @property
    def median_business_days(self) -> float | None:
        days = [row.business_days for row in self.rows if row.business_days is not None]
        return float(statistics.median(days)) if days else None

    def figures(self) -> dict[str, object]:
        share = self.on_time_share
        return {
            "received": self.received,
            "forwarded_on_time": self.count("on_time"),
            "forwarded_late": self.count("late"),
            "open_not_yet_due": self.count("open"),
            "open_late": self.count("open_late"),
            "on_time_share": None if share is None else round(share, 4),
            "median_business_days_to_forward": self.median_business_days,
        }


def outcome_of(request: RequestView, as_of: date, timezone: str) -> Row:
    done = request.forwarded_on(timezone)
    if done is not None:
        outcome: Outcome = "on_time" if done <= request.forward_by else "late"
        return Row(request, outcome, business_days_between(request.received_on, done))
    return Row(request, "open_late" if as_of > request.forward_by else "open", None)


def client_report(
    register: RequestRegister,
    client_id: str,
    client_name: str,
    start: date,
    end: date,
    now: datetime,
) -> ClientReport:
    as_of = register.today(now)
    rows = tuple(
        outcome_of(request, as_of, register.timezone)
        for request in register.received_between(start, end, [client_id])
    )
    return ClientReport(client_id, client_name, start, end, as_of, rows)


def _cells(row: Row) -> list[str]:
    r = row.request
    return [
        r.code, r.client_id, r.kind, r.client_ref or "", r.received_on.isoformat(),
        r.forward_by.isoformat(),
        r.forwarded_at.isoformat(timespec="seconds") if r.forwarded_at else "",
        r.forwarded_via or "", "" if row.business_days is None else str(row.business_days),
        row.outcome, r.respond_by.isoformat(),
    ]  # fmt: skip


def to_csv(report: ClientReport) -> bytes:
    rows = []
    for row in report.rows:
        cells = _cells(row)
        cells[3] = spreadsheet.as_text(cells[3])  # the client's ticket number, as typed
        rows.append(cells)
    return spreadsheet.table(COLUMNS, rows)


def to_json(report: ClientReport) -> bytes:
    document = {
        "client": report.client_id,
        "client_name": report.client_name,
        "from": report.start.isoformat(),
        "to": report.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "figures": report.figures(),
        "requests": [dict(zip(COLUMNS, _cells(row), strict=True)) for row in report.rows],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_html(report: ClientReport) -> bytes:
    esc = html.escape
    figures = "".join(
        f"<tr><th>{esc(key)}</th><td>{esc(str(value))}</td></tr>"
        for key, value in report.figures().items()
    )
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in _cells(row)) + "</tr>"
        for row in report.rows
    )
    title = (
        f"Rights requests / Registrerade begäranden: {esc(report.client_name)}, "
        f"{report.start.isoformat()} – {report.end.isoformat()}"
    )
    page = (
        f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1><p>As of / per {report.as_of.isoformat()}</p>"
        f"<table>{figures}</table><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>\n"
    )
    return page.encode("utf-8")


def render(report: ClientReport, fmt: ReportFormat) -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report)
    parts = {"requests.csv": to_csv(report), "requests.json": to_json(report),
             "requests.html": to_html(report)}  # fmt: skip
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in parts.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in {**parts, "SHA256SUMS": sums.encode("utf-8")}.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            package.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def record_export(
    sessions: sessionmaker[Session],
    report: ClientReport,
    fmt: ReportFormat,
    content: bytes,
    *,
    now: datetime,
    person_key: str | None = None,
) -> int:
    """The `report.exported` entry for this file (its SHA-256); returns its seq."""
    with transaction(sessions) as session:
        entry = append_event(
            session,
            REPORT_EXPORTED,
            {
                "report": "rights_requests",
                "client": report.client_id,
                "from": report.start,
                "to": report.end,
                "format": fmt,
                "sha256": hashlib.sha256(content).hexdigest(),
                "person_key": person_key,
                "who": "cli" if person_key is None else "chat",
            },
            now,
        )
        return entry.seq
