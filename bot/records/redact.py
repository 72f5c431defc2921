"""Personal data out of question text before it is stored (the anonymous question log).

People type customers' details into questions ("kunden 19850312-1234 vill bli raderad",
"ring anna.svensson@example.se på 070-123 45 67"). The log is for finding what the
knowledge base lacks, so these are replaced by a marker before the text is written:

- e-mail addresses -> `[e-mail]`
- Swedish personal identity and co-ordination numbers (YYMMDD-NNNN, YYYYMMDDNNNN, with
  `-`, `+`, a space or nothing) -> `[personnummer]`
- payment card numbers (13-19 digits, spaces or dashes between groups) -> `[card]`
- phone numbers: Swedish (`07x…`, `08-…`, `+46…`, `0046…`) and international (`+CC…`,
  `00CC…`), 7-15 digits with spaces, dashes, dots, slashes or brackets -> `[phone]`
  (two numbers written together, "070-123 45 67/08-765 43 21", each on its own)

No-break and thin spaces and typographic dashes (pasted text) count as a space and "-".
Names are not detected (no reliable rule without a name list); docs/privacy.md says so.
Over-redaction of a number that only looks like one of these is accepted.
"""

from __future__ import annotations

import re
from typing import Final

# Bounded parts (RFC 5321: local part at most 64, a label at most 63 characters), and only
# tried where an `@` is: linear in the text, whatever it holds.
_LOCAL = r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}"
_DOMAIN = r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"
# Addresses run together ("anna@x.se/bo@y.se", Slack's "<mailto:a@b|a@b>") are one match:
# a second address right after the first cannot start a match of its own (the character
# before it belongs to an address), so it would be left behind.
EMAIL: Final = re.compile(
    rf"(?<![\w.!#$%&'*+/=?^`{{|}}~-]){_LOCAL}@{_DOMAIN}(?:{_LOCAL}@{_DOMAIN})*"
)
PERSONNUMMER: Final = re.compile(r"(?<![\d+])(?:19|20)?\d{6}[-+ ]?\d{4}(?!\d)")
CARD: Final = re.compile(r"(?<![\d+])\d(?:[ -]?\d){12,18}(?!\d)")
# Long enough for two numbers run together, which `_phone` takes apart again.
PHONE: Final = re.compile(r"(?<![\w+\-./])(?:\+|00|0)\d[\d \-./()]{5,46}\d(?!\d)")


# Where a second number may start inside a run of digits: a separator before + or 0.
_NEXT_NUMBER: Final = re.compile(r"(?<=\d)([ \-./]+)(?=[+0]\d)")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    if 7 <= _digits(found) <= 15:
        return "[phone]"
    if _digits(found) < 7:
        return found
    # Two numbers run together ("070-123 45 67/070-765 43 21"): each on its own.
    pieces = _NEXT_NUMBER.split(found)  # number, separator, number, …
    out, number = [], pieces[0]
    for separator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if _digits(number) < 7:  # too short for a number: part of the one being read
            number += separator + piece
            continue
        out += [_one_number(number), separator]
        number = piece
    return "".join([*out, _one_number(number)])


def _one_number(text: str) -> str:
    return "[phone]" if 7 <= _digits(text) <= 15 else text


# Pasted numbers often hold no-break, thin or figure spaces and typographic dashes
# ("070\u00a0123\u00a045\u00a067", "850312\u20131234"): read as a plain space and "-".
_SEPARATORS: Final = str.maketrans(
    dict.fromkeys([*"\u00a0\u2007\u202f\u205f\u3000", *map(chr, range(0x2000, 0x200B))], " ")
    | dict.fromkeys([*map(chr, range(0x2010, 0x2016)), "\u2212", "\ufe63", "\uff0d"], "-")
)


def redact(text: str) -> str:
    """`text` with e-mail addresses, personnummer, card and phone numbers replaced."""
    text = text.translate(_SEPARATORS)
    if "@" in text:
        text = EMAIL.sub("[e-mail]", text)
    text = PERSONNUMMER.sub("[personnummer]", text)
    text = PHONE.sub(_phone, text)  # before cards: `0044 20 7946 0958` is a phone number
    return CARD.sub("[card]", text)
