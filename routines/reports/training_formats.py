"""The training report as files (CSV, JSON, a self-contained HTML page, or a zip of them
all with their SHA-256 sums) and its export, recorded as a `report.exported` ledger entry
naming the file's hash (access to evidence is evidence), as every other report is.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Final, Literal

from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.reports import spreadsheet
from routines.reports.training import CampaignRow, PersonRow, TeamRow, TrainingReport
from storage.sessions import transaction

TrainingFormat = Literal["csv", "json", "html", "zip"]
TRAINING_FORMATS: Final[tuple[TrainingFormat, ...]] = ("csv", "json", "html", "zip")
COLUMNS: Final = (
    "occurrence_id", "routine_id", "due_date", "status", "audience", "passed", "failed",
    "not_finished", "pass_rate", "overdue", "team",
)  # fmt: skip
TEAM_COLUMNS: Final = (
    "team", "campaigns", "audience", "passed", "failed", "not_finished", "overdue", "pass_rate",
)  # fmt: skip
PERSON_COLUMNS: Final = (
    "occurrence_id", "routine_id", "team", "person", "result", "right", "total",
    "finished_on", "attempts", "overdue",
)  # fmt: skip

WORDS: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "title": "Utbildningsrapport", "period": "Period", "as_of": "Per",
        "teams": "Per team/kanal", "campaigns": "Per utbildning", "people": "Per person",
        "no_team": "(ingen kanal)", "passed": "godkänd", "failed": "inte godkänd",
        "not_finished": "inte klar", "overdue": "försenad",
    },
    "en": {
        "title": "Training report", "period": "Period", "as_of": "As of",
        "teams": "By team/channel", "campaigns": "By campaign", "people": "By person",
        "no_team": "(no channel)", "passed": "passed", "failed": "not passed",
        "not_finished": "not finished", "overdue": "overdue",
    },
}  # fmt: skip
_text = spreadsheet.as_text  # a display name comes from a platform profile


def _rate(value: float | None) -> object:
    return "" if value is None else value


def _campaign_cells(r: CampaignRow) -> list[object]:
    return [r.occurrence_id, r.routine_id, r.due_date.isoformat(), r.status, r.audience,
            r.passed, r.failed, r.not_finished, _rate(r.pass_rate),
            "; ".join(_text(n) for n in r.overdue), r.team]  # fmt: skip


def _team_cells(r: TeamRow) -> list[object]:
    return [r.team, r.campaigns, r.audience, r.passed, r.failed, r.not_finished, r.overdue,
            _rate(r.pass_rate)]  # fmt: skip


def _person_cells(r: PersonRow) -> list[object]:
    return [r.occurrence_id, r.routine_id, r.team, _text(r.person), r.result,
            "" if r.right is None else r.right, "" if r.total is None else r.total,
            r.finished_on, r.attempts, "yes" if r.overdue else ""]  # fmt: skip


def _csv(columns: Sequence[str], rows: Sequence[list[object]]) -> bytes:
    return spreadsheet.table(columns, rows)


def to_csv(report: TrainingReport) -> bytes:
    """One row per campaign (the zip also holds the team and person tables)."""
    return _csv(COLUMNS, [_campaign_cells(r) for r in report.campaigns])


def to_json(report: TrainingReport) -> bytes:
    document = {
        "period": report.period.label,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "campaigns": [{**asdict(r), "due_date": r.due_date.isoformat(),
                       "overdue": list(r.overdue)} for r in report.campaigns],
        "teams": [asdict(r) for r in report.teams],
        "people": [asdict(r) for r in report.people],
    }  # fmt: skip
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _table(caption: str, columns: Sequence[str], rows: Sequence[list[object]]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (f"<h2>{esc(caption)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")  # fmt: skip


def to_html(report: TrainingReport, lang: str) -> bytes:
    """One self-contained page: per team, per campaign, per person (no scripts, no links)."""
    w = WORDS.get(lang, WORDS["sv"])
    pct = lambda v: "–" if v is None else f"{v:.0%}"  # noqa: E731
    team = lambda t: t or w["no_team"]  # noqa: E731
    teams = [[team(r.team), r.campaigns, r.audience, r.passed, r.failed, r.not_finished,
              r.overdue, pct(r.pass_rate)] for r in report.teams]  # fmt: skip
    campaigns = [[r.occurrence_id, r.routine_id, team(r.team), r.due_date.isoformat(),
                  r.audience, r.passed, r.failed, r.not_finished, pct(r.pass_rate),
                  ", ".join(r.overdue)] for r in report.campaigns]  # fmt: skip
    people = [[r.person, r.routine_id, r.occurrence_id, team(r.team), w[r.result],
               "" if r.right is None else f"{r.right}/{r.total}", r.finished_on,
               w["overdue"] if r.overdue else ""] for r in report.people]  # fmt: skip
    title = html.escape(f"{w['title']} {report.period.label}")
    page = (
        f'<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>table{{border-collapse:collapse}}"
        f"td,th{{border:1px solid #999;padding:2px 6px}}</style></head><body>"
        f"<h1>{title}</h1><p>{w['period']}: {report.period.start.isoformat()} – "
        f"{report.period.end.isoformat()} · {w['as_of']} {report.as_of.isoformat()}</p>"
        + _table(w["teams"], TEAM_COLUMNS, teams)
        + _table(w["campaigns"], ("occurrence_id", "routine_id", "team", "due_date",
                                   "audience", "passed", "failed", "not_finished",
                                   "pass_rate", "overdue"), campaigns)
        + _table(w["people"], ("person", "routine_id", "occurrence_id", "team", "result",
                                "score", "finished_on", "overdue"), people)
        + "</body></html>\n"
    )  # fmt: skip
    return page.encode("utf-8")


def to_zip(report: TrainingReport, lang: str) -> bytes:
    """training.html, campaigns.csv, teams.csv, people.csv, training.json, SHA256SUMS."""
    parts = {
        "training.html": to_html(report, lang),
        "campaigns.csv": to_csv(report),
        "teams.csv": _csv(TEAM_COLUMNS, [_team_cells(r) for r in report.teams]),
        "people.csv": _csv(PERSON_COLUMNS, [_person_cells(r) for r in report.people]),
        "training.json": to_json(report),
    }
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in parts.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in {**parts, "SHA256SUMS": sums.encode("utf-8")}.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            package.writestr(info, data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def render_training(report: TrainingReport, fmt: TrainingFormat, lang: str = "sv") -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report, lang)
    if fmt == "zip":
        return to_zip(report, lang)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(TRAINING_FORMATS)}")


@dataclass(frozen=True)
class TrainingExport:
    report: TrainingReport
    format: TrainingFormat
    content: bytes
    sha256: str
    ledger_seq: int | None  # None: not recorded (pretend time)


def export_training(
    factory: sessionmaker[Session],
    report: TrainingReport,
    fmt: TrainingFormat,
    lang: str,
    *,
    who: str,
    now: datetime,
    routine_ids: Collection[str] | None = None,
    record: bool = True,
) -> TrainingExport:
    """Render the report; unless `record` is false (`--now`, or a caller that records
    once the file is written), append `report.exported` (record_training_export)."""
    content = render_training(report, fmt, lang)
    exported = TrainingExport(report, fmt, content, hashlib.sha256(content).hexdigest(), None)
    if not record:
        return exported
    return record_training_export(factory, exported, who=who, now=now, routine_ids=routine_ids)


def record_training_export(
    factory: sessionmaker[Session],
    exported: TrainingExport,
    *,
    who: str,
    now: datetime,
    routine_ids: Collection[str] | None = None,
) -> TrainingExport:
    """Append `report.exported` naming the exporter (person key, or "cli"), the routines it
    covered and the file's hash; the export with its entry's number."""
    report = exported.report
    with transaction(factory) as session:
        entry = ledger.append_event(
            session,
            ledger.REPORT_EXPORTED,
            {
                "report": "training",
                "who": who,
                "format": exported.format,
                "period": report.period.label,
                "from": report.period.start,
                "to": report.period.end,
                "routines": None if routine_ids is None else sorted(routine_ids),
                "sha256": exported.sha256,
                "bytes": len(exported.content),
            },
            now,
        )
        seq = entry.seq
    return replace(exported, ledger_seq=seq)
