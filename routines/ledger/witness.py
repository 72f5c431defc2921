"""Witness files: heads of the ledger kept outside the database, one `seq hash` a line.

`gdpr-bot audit witness` appends the current head (`seq hash time`) to the witness file
(`GDPRBOT_LEDGER_WITNESS_FILE`, or `--file`): keep that file where the bot's database
users cannot write (another host, a ticket, an e-mail to the DPO). `gdpr-bot audit verify`
checks every head listed there: each witnessed entry must still be in the chain with the
same hash, so deleting or rewriting anything up to the latest witness is detected. The
weekly seal posts the same line in chat; pasting those lines into a file works as well.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from routines.ledger.verification import Witness
from storage.clock import as_utc


class WitnessFileError(ValueError):
    """A line that is not `seq hash` (names path:line)."""


def parse_witnesses(text: str, source: str = "witness file") -> list[Witness]:
    """`seq hash [anything]` lines; blank lines and `#` comments are skipped."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if (
            len(fields) < 2
            or not fields[0].isdigit()
            or len(fields[1]) != 64
            or any(c not in "0123456789abcdef" for c in fields[1].lower())
        ):
            raise WitnessFileError(
                f"{source}:{number}: witness: expected `seq hash` (as `gdpr-bot audit head` "
                f"prints it), got {line.strip()[:80]!r}"
            )
        found.append(Witness(int(fields[0]), fields[1].lower()))
    return found


def read_witnesses(path: str | Path) -> list[Witness]:
    """The witnesses in a file; a file that does not exist yet holds none."""
    file = Path(path)
    if not file.exists():
        return []
    try:
        text = file.read_text(encoding="utf-8-sig")  # -sig: heads pasted in with Notepad
    except UnicodeDecodeError:
        raise WitnessFileError(
            f"{file}: not UTF-8 text (a witness file holds `seq hash` lines)"
        ) from None
    return parse_witnesses(text, str(file))


def witness_line(seq: int, digest: str, at: datetime) -> str:
    return f"{seq} {digest} {as_utc(at).isoformat(timespec='seconds')}"


def append_witness(path: str | Path, seq: int, digest: str, at: datetime) -> None:
    """Append one head to the file (created with mode 0600 if new)."""
    file = Path(path)
    new = not file.exists()
    with file.open("a", encoding="utf-8") as handle:
        handle.write(witness_line(seq, digest, at) + "\n")
    if new:
        file.chmod(0o600)
