"""Which client a question names: client names and aliases found in free text.

The rule, from how Swedish writes names (Språkrådet's skrivregler) rather than from examples:

- Text and names are compared as *tokens*: runs of letters and digits, case-folded, with
  diacritics dropped (å ä → a, ö ø → o, é → e), so `Acme`, `ACME` and `acme`, or `kön` and
  `kon`, are the same token. Any other character separates tokens, so a hyphen and a space
  are the same (`acme-kön` = `acme kön`).
- A name matches whole tokens only. What follows a name after a hyphen or colon is a new
  token, which covers compounds and inflections written the Swedish way: `Acme-kunden`,
  `Acme-kön`, `Acme:s`, `IKEA:n`, and the English `Acme's`.
- The one ending glued on without a separator is the genitive `s` (`Acmes kund`); anything
  else glued on makes another word (`Acmeplast` is not `Acme`).
- A name of several tokens also matches written as one closed compound (`Nordresor` for
  `Nord Resor`), with the same genitive `s`.
- The longest match wins: where `Acme Resor` matches, the shorter `Acme` inside it (another
  client's name) does not count. Two clients named in different places are both reported.

A client's names are its `name`, the name without its legal form (`Acme AB` → `Acme`), and
its `aliases`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from clients.model import Client

_TOKEN = re.compile(r"[^\W_]+")
# Letters NFKD does not decompose into a base letter plus a mark.
_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i"})

# Legal forms that end company names; agents leave them out ("Acme" for "Acme AB (publ)").
LEGAL_FORMS: tuple[tuple[str, ...], ...] = (
    ("ab",), ("aktiebolag",), ("publ",), ("hb",), ("handelsbolag",), ("kb",),
    ("kommanditbolag",), ("ek", "for"), ("ekonomisk", "forening"), ("oy",), ("oyj",),
    ("as",), ("asa",), ("a", "s"), ("aps",), ("gmbh",), ("ag",), ("ltd",), ("limited",),
    ("inc",), ("llc",), ("plc",), ("bv",), ("nv",), ("sa",), ("se",),
)  # fmt: skip


IMPLICIT_MIN = 3


def fold(text: str) -> str:
    """Case-fold and drop diacritics: `Kön` → `kon`, `Ærø` → `aero`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Token:
    word: str  # folded
    start: int  # span in the original text
    end: int


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = fold(match.group())
        # folding can split a letter into letters and marks only; keep non-empty words
        if word:
            found.append(Token(word, match.start(), match.end()))
    return found


def name_tokens(name: str) -> tuple[str, ...]:
    return tuple(token.word for token in tokens(name))


def without_legal_form(words: tuple[str, ...]) -> tuple[str, ...]:
    """`acme ab publ` → `acme`; a name that is only a legal form stays as it is."""
    stripped = True
    while stripped:
        stripped = False
        for form in LEGAL_FORMS:
            if len(words) > len(form) and words[-len(form) :] == form:
                words = words[: -len(form)]
                stripped = True
    return words


def names_of(client: Client) -> list[tuple[str, tuple[str, ...]]]:
    """(name as written, its tokens) for each name the client goes by.

    The name without its legal form counts only when it has 3+ letters or digits: `Bo AB`
    or `3 AB` would otherwise be found in every question with the word "bo" or a 3 in it.
    Aliases are the administrator's deliberate choice and always count.
    """
    full = name_tokens(client.name)
    short = without_legal_form(full)
    found = [(client.name, full)]
    if len("".join(short)) >= IMPLICIT_MIN:
        found.append((client.name, short))
    found.extend((alias, name_tokens(alias)) for alias in client.aliases)
    unique: dict[tuple[str, ...], str] = {}
    for written, words in found:
        if words:
            unique.setdefault(words, written)
    return [(written, words) for words, written in unique.items()]


@dataclass(frozen=True)
class Mention:
    """A client named in a text: which name matched and where (character span)."""

    client: Client
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    written: str
    client: Client


@dataclass(frozen=True)
class _Hit:
    name: _Name
    first: int  # token span [first, last]
    last: int


def _genitive_stem(word: str) -> str | None:
    return word[:-1] if len(word) > 2 and word.endswith("s") else None


class NameIndex:
    """Every client's names, looked up by first token and by closed-compound spelling."""

    def __init__(self, clients: Iterable[Client]) -> None:
        self._by_first: dict[str, list[_Name]] = {}
        self._closed: dict[str, list[_Name]] = {}
        for client in clients:
            for written, words in names_of(client):
                name = _Name(words, written, client)
                self._by_first.setdefault(words[0], []).append(name)
                if len(words) > 1:
                    self._closed.setdefault("".join(words), []).append(name)

    def mentions(self, text: str) -> tuple[Mention, ...]:
        """Every client named in `text`, in order, the longest name winning an overlap."""
        words = tokens(text)
        hits = [hit for index in range(len(words)) for hit in self._hits_at(words, index)]
        kept = [
            hit
            for hit in hits
            if not any(
                other.first <= hit.first
                and hit.last <= other.last
                and (other.first, other.last) != (hit.first, hit.last)
                for other in hits
            )
        ]
        seen: set[tuple[str, int, int]] = set()
        found: list[Mention] = []
        for hit in kept:
            key = (hit.name.client.id, hit.first, hit.last)
            if key not in seen:
                seen.add(key)
                start, end = words[hit.first].start, words[hit.last].end
                found.append(Mention(hit.name.client, hit.name.written, start, end))
        return tuple(found)

    def _hits_at(self, words: list[Token], index: int) -> list[_Hit]:
        word = words[index].word
        stem = _genitive_stem(word)
        hits: list[_Hit] = []
        for name in self._by_first.get(word, ()):
            last = index + len(name.words) - 1
            if last < len(words) and _same(name.words, [t.word for t in words[index : last + 1]]):
                hits.append(_Hit(name, index, last))
        if stem is not None:
            hits.extend(
                _Hit(name, index, index)
                for name in self._by_first.get(stem, ())
                if len(name.words) == 1
            )
        for spelling in (word, stem):
            if spelling is not None:
                hits.extend(_Hit(name, index, index) for name in self._closed.get(spelling, ()))
        return hits


def _same(name: tuple[str, ...], text: list[str]) -> bool:
    """The text's tokens spell the name; the last one may carry a genitive `s`."""
    if list(name[:-1]) != text[:-1]:
        return False
    return text[-1] == name[-1] or _genitive_stem(text[-1]) == name[-1]
