"""CSV the way every export writes it, for Excel.

UTF-8 with a byte-order mark (without it Excel takes the file for the local code page and
shows å, ä, ö as Ã¥, Ã¤, Ã¶), CRLF line ends (RFC 4180) and free text that starts like a
formula written as text. The adherence, training and client reports all use it, so a
controller opening any of them gets the same file shape.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

BOM: Final = codecs.BOM_UTF8
LINE_END: Final = "\r\n"
FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """Free text from people: a leading =, +, -, @ would run as a formula in Excel."""
    return "'" + value if value.startswith(FORMULA_START) else value


def table(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A small table as a whole CSV file (BOM, header row, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=LINE_END)
    writer.writerow(header)
    writer.writerows(rows)
    return BOM + buffer.getvalue().encode("utf-8")
