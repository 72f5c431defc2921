"""Report files: the scenario's figures in CSV, JSON, HTML and the zip evidence package."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from routines import ledger
from routines.reports.export import export_report
from routines.reports.formats import Format
from storage.sessions import session_factory
from tests.routines import report_scenario as scenario


@pytest.fixture
def factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    yield from scenario.sessions(sqlite_url)


def export(factory: sessionmaker[Session], fmt: Format, lang: str = "sv") -> bytes:
    out = io.BytesIO()
    export_report(factory, scenario.scope(lang), fmt, out, who="cli", now=scenario.NOW)
    return out.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- the same figures in every format, on both databases ------------------------------------


@pytest.fixture
def both_db_factory(engine: Engine) -> sessionmaker[Session]:
    factory = session_factory(engine)
    scenario.build(factory)
    return factory


def test_json_has_the_exact_figures(both_db_factory: sessionmaker[Session]) -> None:
    document = json.loads(export(both_db_factory, "json"))
    total = document["summary"]["total"]
    assert total == {
        "occurrences": 6,
        "on_time": 1,
        "late": 1,
        "missing": 2,
        "not_applicable": 1,
        "pending": 1,
        "applicable": 4,
        "adherence_rate": 0.25,
        "median_days_late": 3.0,
    }
    assert len(document["details"]) == 8


def test_csv_has_the_exact_rows(both_db_factory: sessionmaker[Session]) -> None:
    rows = read_csv(export(both_db_factory, "csv"))
    header, body = rows[0], rows[1:]
    outcomes = [r[header.index("utfall")] for r in body]
    assert len(body) == 8
    assert sorted(outcomes) == sorted(
        ["sen", "saknas", "ej tillämplig", "pågår", "i tid", "i tid", "saknas", "saknas"]
    )


def test_status_words_follow_the_report_language(factory: sessionmaker[Session]) -> None:
    for lang, words in (
        ("sv", {"klar", "klar för sent", "missad", "ej tillämplig", "öppen", "kvitterad"}),
        ("en", {"done", "done late", "missed", "not applicable", "open", "confirmed"}),
    ):
        rows = read_csv(export(factory, "csv", lang=lang))
        header = rows[0]
        columns = [header.index(name) for name in header[6:8] + header[11:12]]
        seen = {row[i] for row in rows[1:] for i in columns} - {""}
        assert words <= seen, (lang, seen)
        assert not {"on_time", "not_applicable", "confirm", "missed_"} & seen


# --- what the auditor needs on every report --------------------------------------------------


def test_the_lead_s_note_is_in_every_format(factory: sessionmaker[Session]) -> None:
    line = f"2027-01-10 10:30 Anna Andersson: {scenario.LEAD_NOTE}"
    rows = read_csv(export(factory, "csv"))
    assert line in [r[rows[0].index("anteckningar")] for r in rows[1:]]
    details = json.loads(export(factory, "json"))["details"]
    assert line in [d["notes"] for d in details]
    assert line in export(factory, "html").decode("utf-8")
    package = zipfile.ZipFile(io.BytesIO(export(factory, "zip")))
    assert line in package.read("report.html").decode("utf-8")
    assert line in package.read("details.csv").decode("utf-8-sig")


def test_every_format_names_organisation_author_timezone_and_ledger_head(
    factory: sessionmaker[Session],
) -> None:
    scope = replace(scenario.scope(), organisation="Exempel AB", author="Olle Officer")

    def exported(fmt: Format) -> tuple[bytes, tuple[int, str]]:
        with factory() as session:
            head = ledger.head(session)  # the head the report is built from
        out = io.BytesIO()
        export_report(factory, scope, fmt, out, who="k-olle", now=scenario.NOW)
        return out.getvalue(), head

    document, (seq, head) = exported("json")
    summary = json.loads(document)["summary"]
    assert (summary["organisation"], summary["produced_by"]) == ("Exempel AB", "Olle Officer")
    assert summary["timezone"] == "Europe/Stockholm"
    assert summary["ledger_head"] == {"seq": seq, "hash": head}
    page, (_, head) = exported("html")
    html = page.decode("utf-8")
    for text in ("Exempel AB", "Olle Officer", "Europe/Stockholm", head):
        assert text in html
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(exported("zip")[0])).read("manifest.json"))
    assert manifest["organisation"] == "Exempel AB" and manifest["timezone"] == "Europe/Stockholm"


def test_html_shows_the_exact_figures(both_db_factory: sessionmaker[Session]) -> None:
    html = export(both_db_factory, "html").decode("utf-8")
    total_row = re.search(r"<tr><td>Totalt</td>(.*?)</tr>", html)
    assert total_row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', total_row.group(1))
    assert cells == ["6", "1", "1", "2", "1", "1", "25%", "3.0"]


def test_zip_verifies_the_chain_on_either_database(both_db_factory: sessionmaker[Session]) -> None:
    package = zipfile.ZipFile(io.BytesIO(export(both_db_factory, "zip")))
    assert "result: OK" in package.read("verify.txt").decode()
    assert json.loads(package.read("summary.json"))["total"]["missing"] == 2


# --- CSV -----------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_one_header_row(factory: sessionmaker[Session]) -> None:
    rows = read_csv(export(factory, "csv", lang="en"))
    assert rows[0][:3] == ["occurrence id", "routine id", "routine"]
    assert sum(1 for r in rows if r[0] == "occurrence id") == 1


def test_csv_keeps_commas_semicolons_quotes_and_newlines_in_notes(
    factory: sessionmaker[Session],
) -> None:
    rows = read_csv(export(factory, "csv"))
    notes = [r[rows[0].index("anteckning/bevis")] for r in rows[1:]]
    assert scenario.NOTE_WITH_SPECIALS in notes


def test_csv_quotes_every_text_cell_so_semicolon_readers_keep_columns(
    factory: sessionmaker[Session],
) -> None:
    text = export(factory, "csv").decode("utf-8-sig")
    assert '"Kontrollerat; 3 ärenden,\n""inga"" avvikelser"' in text
    assert text.endswith("\r\n")


def test_csv_defuses_spreadsheet_formulas(factory: sessionmaker[Session]) -> None:
    rows = read_csv(export(factory, "csv"))
    notes = [r[rows[0].index("anteckning/bevis")] for r in rows[1:]]
    assert "'" + scenario.FORMULA_NOTE in notes
    assert scenario.FORMULA_NOTE not in notes


def test_csv_shows_swedish_characters_and_local_times(factory: sessionmaker[Session]) -> None:
    rows = read_csv(export(factory, "csv"))
    assert "Kontroll av registerutdrag" in {r[2] for r in rows}
    confirmed = {r[rows[0].index("kvitterad")] for r in rows[1:]}
    assert "2027-01-10 10:12" in confirmed  # 09:12 UTC is 10:12 in Stockholm in January


# --- HTML ----------------------------------------------------------------------------------


def test_html_is_self_contained(factory: sessionmaker[Session]) -> None:
    html = export(factory, "html").decode("utf-8")
    assert "<svg" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "<script" not in html


def test_html_prints_well(factory: sessionmaker[Session]) -> None:
    assert "@media print" in export(factory, "html").decode("utf-8")


def test_html_escapes_notes(factory: sessionmaker[Session]) -> None:
    html = export(factory, "html").decode("utf-8")
    assert "&#34;inga&#34;" in html or "&quot;inga&quot;" in html


def test_html_chart_has_one_bar_per_routine(factory: sessionmaker[Session]) -> None:
    html = export(factory, "html").decode("utf-8")
    assert html.count('fill="#2e7d32"') == 3


# --- zip evidence package ------------------------------------------------------------------


PACKAGE_FILES = [
    "report.html", "details.csv", "summary.json", "verify.txt", "ledger.jsonl", "witnesses.txt",
    "verify_package.py", "LÄSMIG.txt", "README.txt",
]  # fmt: skip


def test_zip_holds_the_report_the_ledger_excerpt_and_the_verifier(
    factory: sessionmaker[Session],
) -> None:
    package = zipfile.ZipFile(io.BytesIO(export(factory, "zip")))
    assert sorted(package.namelist()) == sorted([*PACKAGE_FILES, "manifest.json"])


def test_zip_manifest_hashes_every_file(factory: sessionmaker[Session]) -> None:
    package = zipfile.ZipFile(io.BytesIO(export(factory, "zip")))
    manifest = json.loads(package.read("manifest.json"))
    listed = {f["file"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(PACKAGE_FILES)
    for name, digest in listed.items():
        assert hashlib.sha256(package.read(name)).hexdigest() == digest


def test_zip_carries_the_verify_result_and_head(factory: sessionmaker[Session]) -> None:
    package = zipfile.ZipFile(io.BytesIO(export(factory, "zip")))
    verify = package.read("verify.txt").decode()
    head_hash = json.loads(package.read("manifest.json"))["ledger_head"]["hash"]
    assert "result: OK" in verify
    assert f"head hash: {head_hash}" in verify


def test_zip_summary_has_the_figures(factory: sessionmaker[Session]) -> None:
    package = zipfile.ZipFile(io.BytesIO(export(factory, "zip")))
    assert json.loads(package.read("summary.json"))["total"]["adherence_rate"] == 0.25


# --- access to evidence is evidence ---------------------------------------------------------


def test_export_appends_report_exported_with_the_file_hash(factory: sessionmaker[Session]) -> None:
    data = export(factory, "csv")
    with factory() as session:
        entry = session.scalars(
            select(ledger.LedgerEntry).order_by(ledger.LedgerEntry.seq.desc()).limit(1)
        ).one()
    body = json.loads(entry.payload)
    assert body["event"] == ledger.REPORT_EXPORTED
    assert body["data"]["who"] == "cli"
    assert body["data"]["period"] == "2027-Q1"
    assert body["data"]["sha256"] == hashlib.sha256(data).hexdigest()
