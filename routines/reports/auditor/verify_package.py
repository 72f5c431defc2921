#!/usr/bin/env python3
# ruff: noqa: UP031  (%-formatting: a standalone script for any Python 3 an auditor has)
"""Verify a gdpr-bot evidence package without the bot: `python3 verify_package.py PACKAGE.zip`.

Python 3.9+ standard library only. Checks, and exits 1 on the first failure:
1. every file's SHA-256 against manifest.json;
2. the ledger excerpt (ledger.jsonl): sequence numbers without gaps, each entry linked to
   the one before, each hash recomputed (SHA-256 for unkeyed entries; HMAC-SHA256 for
   keyed ones when the ledger key is given with --key-file, else only linkage), no
   unkeyed entry after a keyed one, and the last entry equal to the manifest's head;
3. every witnessed head in witnesses.txt that falls inside the excerpt;
4. every confirmed detail row (details.csv) names a ledger entry of the excerpt for the
   same occurrence; each row's due date is the one its occurrence.created entry recorded,
   and an occurrence on time or late agrees with its confirmations' times in the ledger;
   the figures in summary.json recomputed from the detail rows.
"""

import argparse
import csv
import hashlib
import hmac
import io
import json
import sys
import zipfile
from typing import Any, NoReturn

OUTCOMES = {
    "on_time": "on_time",
    "i tid": "on_time",
    "on time": "on_time",
    "late": "late",
    "sen": "late",
    "missing": "missing",
    "saknas": "missing",
    "pending": "pending",
    "pågår": "pending",
    "not_applicable": "not_applicable",
    "ej tillämplig": "not_applicable",
    "not applicable": "not_applicable",
}
ANSWERS = ("confirmation.recorded", "occurrence.not_applicable")


def fail(message: str) -> NoReturn:
    print("FAILED: " + message)
    sys.exit(1)


def day_in(timezone: str) -> Any:
    """`at` (an ISO time) -> its ISO date in the report's time zone; None where this
    Python has no time zone data (then lateness is not checked; a note says so)."""
    from datetime import datetime

    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(timezone)
    except Exception:  # no zoneinfo (Python < 3.9) or no tz data (Windows without tzdata)
        print("  (no time zone data for %s: confirmations' lateness not checked)" % timezone)
        return None
    return lambda at: datetime.fromisoformat(at).astimezone(zone).date().isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package")
    parser.add_argument("--key-file", help="the ledger key(s), one per line (to check HMACs)")
    args = parser.parse_args()
    keys: dict[str, bytes] = {}
    if args.key_file:
        with open(args.key_file, encoding="utf-8-sig") as handle:  # -sig: a BOM is no key
            key_lines = handle.read().splitlines()
        for line in key_lines:
            secret = line.strip().encode("utf-8")
            if secret and not line.startswith("#"):
                key_id = (
                    "k" + hashlib.sha256(b"gdpr-bot ledger key id\x00" + secret).hexdigest()[:12]
                )
                keys[key_id] = secret
    with open(args.package, "rb") as handle:
        whole = hashlib.sha256(handle.read()).hexdigest()
    package = zipfile.ZipFile(args.package)
    manifest = json.loads(package.read("manifest.json"))
    for item in manifest["files"]:
        if hashlib.sha256(package.read(item["file"])).hexdigest() != item["sha256"]:
            fail(item["file"] + ": its SHA-256 differs from manifest.json")
    print("files: %d match manifest.json" % len(manifest["files"]))

    entries, keyed, unchecked, expected = 0, 0, 0, 0
    by_hash: dict[str, Any] = {}
    prev = ""
    for line in package.read("ledger.jsonl").decode("utf-8").splitlines():
        e = json.loads(line)
        seq = e["seq"]
        if entries and seq != expected:
            fail(
                "ledger entry %d: expected entry %d (entries removed or reordered)"
                % (seq, expected)
            )
        if entries and e["prev_hash"] != prev:
            fail("ledger entry %d does not link to entry %d" % (seq, seq - 1))
        message = (e["prev_hash"] + e["payload"]).encode("utf-8")
        if e["key_id"] is None:
            if keyed:
                fail("ledger entry %d is unkeyed after keyed entry %d (forged)" % (seq, keyed))
            digest = hashlib.sha256(message).hexdigest()
        elif e["key_id"] in keys:
            digest = hmac.new(keys[e["key_id"]], message, hashlib.sha256).hexdigest()
        else:
            digest, unchecked = e["hash"], unchecked + 1
        keyed = keyed or (seq if e["key_id"] else 0)
        if digest != e["hash"]:
            fail("ledger entry %d: its hash does not match its payload" % seq)
        if json.loads(e["payload"])["seq"] != seq:
            fail("ledger entry %d holds the payload of another entry" % seq)
        by_hash[e["hash"]] = json.loads(e["payload"])
        prev, expected, entries = e["hash"], seq + 1, entries + 1
    head = manifest["ledger_head"]
    if entries and (expected - 1, prev) != (head["seq"], head["hash"]):
        fail(
            "the excerpt ends at entry %d, the manifest's head is %d" % (expected - 1, head["seq"])
        )
    print("ledger: %d entries linked up to the head %d %s" % (entries, head["seq"], head["hash"]))
    if unchecked:
        print("  (%d keyed hashes not recomputed: give --key-file to check them)" % unchecked)

    for line in package.read("witnesses.txt").decode("utf-8").splitlines():
        fields = line.split()
        if len(fields) >= 2 and not fields[0].startswith("#"):
            seq, digest = int(fields[0]), fields[1]
            if entries and seq > expected - 1:
                fail(
                    "witnessed head %d is past the ledger's end %d (removed)" % (seq, expected - 1)
                )
            if entries and seq >= expected - entries and digest not in by_hash:
                fail("witnessed head %d %s is not in the ledger" % (seq, digest))
    print("witnesses: consistent with the ledger")

    rows = list(csv.reader(io.StringIO(package.read("details.csv").decode("utf-8-sig"))))[1:]
    due_of = {  # what the ledger recorded when each occurrence was created
        entry["data"].get("occurrence_id"): entry["data"].get("due_date")
        for entry in by_hash.values()
        if entry.get("event") == "occurrence.created"
    }
    local_day = day_in(manifest.get("timezone") or "UTC")
    outcome_of: dict[int, str] = {}
    late_of: dict[int, bool] = {}
    for row in rows:
        occurrence, answer, ledger_hash = int(row[0]), row[11], row[15]
        outcome_of[occurrence] = OUTCOMES.get(row[7], row[7])
        due = due_of.get(occurrence)
        if due is not None and row[5] != due:
            fail(
                "occurrence %d: due %s in details.csv, the ledger says %s"
                % (occurrence, row[5], due)
            )
        if answer:
            entry = by_hash.get(ledger_hash)
            if entry is None or entry["event"] not in ANSWERS:
                fail("occurrence %d: its confirmation names no ledger entry" % occurrence)
            if entry["data"].get("occurrence_id") != occurrence:
                fail("occurrence %d: its ledger entry is for another occurrence" % occurrence)
            if entry["event"] == "confirmation.recorded" and due is not None and local_day:
                late = local_day(entry["at"]) > due
                late_of[occurrence] = late_of.get(occurrence, False) or late
    for occurrence, late in late_of.items():
        if outcome_of[occurrence] == "on_time" and late:
            fail("occurrence %d is on time in details.csv, but the ledger's confirmation is after "
                 "its due date" % occurrence)  # fmt: skip
        if outcome_of[occurrence] == "late" and not late:
            fail("occurrence %d is late in details.csv, but the ledger's confirmations are on or "
                 "before its due date" % occurrence)  # fmt: skip
    total = json.loads(package.read("summary.json"))["total"]
    for name in ("on_time", "late", "missing", "not_applicable", "pending"):
        counted = sum(1 for outcome in outcome_of.values() if outcome == name)
        if counted != total[name]:
            fail("summary.json says %s %d, the detail rows %d" % (name, total[name], counted))
    print("figures: summary.json agrees with %d occurrences in details.csv" % len(outcome_of))
    # The manifest is not signed: whoever edits a file can recompute it. The ledger
    # recorded the SHA-256 of the package as exported (its report.exported entry).
    print("package sha256: %s (`gdpr-bot audit exported FILE` finds the ledger entry that "
          "recorded it; a package changed after export has none)" % whole)  # fmt: skip
    print("result: OK")


if __name__ == "__main__":
    try:
        main()
    except (OSError, zipfile.BadZipFile) as exc:
        print("FAILED: cannot read the package: %s" % exc)
        sys.exit(2)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        # a member missing or of the wrong shape: a package edited by hand, never verified
        fail("the package is malformed (%s: %s)" % (type(exc).__name__, str(exc)[:200]))
