"""Words of a text: lower-cased, NFC-normalised, hyphenated words kept whole and split."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[0-9a-zåäöéèüæøà]+(?:-[0-9a-zåäöéèüæøà]+)*")
# letters people drop on an English keyboard: böter -> boter
_FOLD = str.maketrans("åäöéèüæøà", "aaoeeuaoa")


def normalise(text: str) -> str:
    """NFC, lower case, and no lone surrogates (bytes a console could not decode)."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return unicodedata.normalize("NFC", text).lower()


def fold(word: str) -> str:
    """The word without diacritics."""
    return word.translate(_FOLD)


def tokens(text: str) -> list[str]:
    """Word tokens as written (hyphens kept): "usb-sticka" is one token."""
    return WORD.findall(normalise(text))


def words(text: str) -> list[str]:
    """Lowercase words; a hyphenated word yields the joined form and its parts."""
    found = tokens(text)
    if not any("-" in token for token in found):
        return found
    out: list[str] = []
    for token in found:
        if "-" in token:
            out.append(token.replace("-", ""))
            out.extend(part for part in token.split("-") if part)
        else:
            out.append(token)
    return out


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit word (not only emoji or signs)."""
    return WORD.search(normalise(text)) is not None
