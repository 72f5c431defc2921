"""`--out` of a report or a register extract: never half a file under its name, never a
device replaced.

A regular file (or a new one) is written beside its name, flushed to disk and renamed into
place when the writing succeeded, so a failure (a full disk, a kill) leaves at most a
hidden `.NAME.partial`, never a truncated report that looks complete. A device, named pipe
or socket (`/dev/stdout`, a FIFO a script reads) is written into as it is: renaming onto
it would replace the device itself (as root, `/dev/stdout` or `/dev/full` for everyone).
A symbolic link keeps pointing where it did; its target is what is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bot.cli.errors import EnvironmentProblem


@contextmanager
def output_file(out: Path) -> Iterator[BinaryIO]:
    """The handle to write the report into; in place once the block ends without error.

    Whatever the block records (a `report.exported` entry) it records before the rename:
    an export that fails there is not presented under its name."""
    target = Path(os.path.realpath(out))
    if target.exists() and not target.is_file():
        with _opened(target, out) as handle:
            yield handle
        return
    partial = target.with_name(f".{target.name}.partial")
    try:
        with _opened(partial, out) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise _cannot_write(out, exc) from None
    finally:
        partial.unlink(missing_ok=True)


def _opened(path: Path, out: Path) -> BinaryIO:
    try:
        return path.open("wb")
    except OSError as exc:  # named as given, not as the hidden .partial beside it
        raise _cannot_write(out, exc) from None


def _cannot_write(out: Path, exc: OSError) -> EnvironmentProblem:
    return EnvironmentProblem(f"--out: cannot write {out}: {exc.strerror or exc}")
