"""The built lexical index of one language, kept on disk so a start loads it instead of
analysing every article again (compound splitting, spelling variants and the bm25s
fields cost about half a second of CPU for the shipped articles; loading, a few ms).

A file holds one language's index and the key it was built for: a hash of the analysed
article fields in order, each article's title and phrasings (one by one: the phrasing fit
reads them apart, the questions field joins them), the language, the source of the
analysis and index code, and the bm25s and PyStemmer versions. Anything else gives
another key, and a file with another key, or one that cannot be read, is rebuilt and
overwritten: an edited article, a changed stop word list or a new stemmer never reads a
stale index. The file is JSON (no pickle: a cache directory is no place to load code
from), written atomically like the vectors (`vectors.write_vectors`), in the same
directory (`GDPRBOT_VECTOR_CACHE`). A missing, unreadable or read-only directory only
costs the build: it never stops the bot.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Bump when the file layout changes (the code hash below covers what the index contains).
FORMAT = 2  # 2: with the analysed titles and phrasings (phrasings.py)
# Modules whose code decides what the index holds; their source is part of the key.
_CODE = (
    "knowledge.analysis.compounds",
    "knowledge.analysis.stopwords",
    "knowledge.analysis.tokens",
    "knowledge.retrieval.lexical",
    "knowledge.retrieval.lexical_cache",
    "knowledge.retrieval.phrasings",
)
_code_digest: str | None = None


def _code() -> str:
    """One digest of the index code and library versions (computed once per process)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256()
        for name in _CODE:
            module_file = getattr(sys.modules.get(name), "__file__", None)
            digest.update(Path(module_file).read_bytes() if module_file else name.encode())
        for dist in ("bm25s", "PyStemmer"):
            try:
                digest.update(f"{dist}={metadata.version(dist)}".encode())
            except metadata.PackageNotFoundError:
                digest.update(dist.encode())
        _code_digest = digest.hexdigest()
    return _code_digest


def index_key(
    lang: str, fields: Sequence[Mapping[str, str]], phrasings: Sequence[Sequence[str]] = ()
) -> str:
    """What an index is a function of: the language, its articles' fields and phrasings
    in order, and the code that analyses and indexes them."""
    payload = json.dumps(
        [FORMAT, lang, _code(), list(fields), [list(p) for p in phrasings]], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def cache_path(cache_dir: Path, lang: str) -> Path:
    return cache_dir / f"lexical-{lang}.json"


def read_index(cache_dir: Path, lang: str, key: str) -> dict[str, Any] | None:
    """The stored index state for `key`, or None (no file, another key, unreadable)."""
    path = cache_path(cache_dir, lang)
    try:
        with path.open(encoding="utf-8") as handle:
            stored = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable lexical index %s: %s", path, exc)
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    state = stored.get("index")
    return state if isinstance(state, dict) else None


def write_index(cache_dir: Path, lang: str, key: str, state: Mapping[str, Any]) -> None:
    """Atomically (temp file + rename): a replica starting alongside never reads half a
    file. Failing to write only means the next start builds again."""
    path = cache_path(cache_dir, lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lexical-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "index": state}, handle, ensure_ascii=False)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the index is article words
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("lexical index cache %s not written (%s): built at each start", path, exc)
