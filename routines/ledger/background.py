"""The binding check in a second process while this one recomputes the hash chain.

`audit verify` reads the whole database twice, independently: the chain (an HMAC per
entry, verification.py) and the report tables cross-checked against the ledger
(binding.py). Both are Python-bound, so on a machine with a free core the binding check
runs in a forked child and the two take as long as the longer one, not their sum. The
checks themselves are the same; only where they run differs.

Only for an `Engine` on Linux: a Session's or Connection's transaction may hold rows
another process cannot see, an in-memory SQLite database exists in one process only,
and fork is only safe to rely on where it is the platform's own way. The child is
forked before this process opens any connection (the caller starts it first) and
drops the inherited pool without closing it (SQLAlchemy's rule for forked engines). If
the child fails for any reason, the check runs again here, so an error (an unreadable
database: exit 2) surfaces exactly as it would without the child.
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from routines.ledger.binding import Mismatch, check_bindings


class Bindings:
    """The binding check started now (in a child where possible), its result later."""

    def __init__(self, bind: Session | Engine | Connection, timezone: str) -> None:
        self._bind, self._timezone = bind, timezone
        self._process: Any = None
        self._reader: Pipe | None = None
        if _forkable(bind):
            context = multiprocessing.get_context("fork")
            reader, writer = context.Pipe(duplex=False)
            self._process = context.Process(
                target=_child, args=(bind, timezone, writer), name="ledger-bindings", daemon=True
            )
            self._process.start()
            writer.close()
            self._reader = reader

    def result(self) -> list[Mismatch]:
        """The mismatches: the child's answer, or the check run here if it gave none."""
        found = self._collect()
        return check_bindings(self._bind, self._timezone) if found is None else found

    def cancel(self) -> None:
        """Not needed after all (the chain is broken): stop the child."""
        if self._process is not None:
            self._process.terminate()
        self._collect()

    def _collect(self) -> list[Mismatch] | None:
        if self._process is None or self._reader is None:
            return None
        found: list[Mismatch] | None = None
        try:  # read before joining: a long answer would fill the pipe and block the child
            found = self._reader.recv()
        except (EOFError, OSError):
            found = None  # the child died (or was stopped) without an answer
        finally:
            self._reader.close()
            self._process.join()
            self._process, self._reader = None, None
        return found


def _forkable(bind: Session | Engine | Connection) -> bool:
    if not isinstance(bind, Engine) or not sys.platform.startswith("linux"):
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return bind.dialect.name != "sqlite" or bind.url.database not in (None, "", ":memory:")


def _child(engine: Engine, timezone: str, writer: Pipe) -> None:
    engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    try:
        found: list[Mismatch] | None = check_bindings(engine, timezone)
    except Exception:  # the parent runs the check again and reports what it finds
        found = None
    try:
        writer.send(found)
    finally:
        writer.close()
