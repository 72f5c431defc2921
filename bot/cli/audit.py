"""`gdpr-bot audit verify|head|witness`: the evidence ledger.

- `verify [--head HASH] [--witness FILE]...`: recompute the chain (HMAC with the ledger
  key), compare the head row with the last entry, and check every head in the witness
  files (GDPRBOT_LEDGER_WITNESS_FILE and each --witness). An intact chain is recorded as
  a `ledger.verified` entry (the web overview's "last verified").
- `head`: print `<seq> <hash>`.
- `witness [--file FILE]`: append the head (`seq hash time`) to the witness file and record
  a `ledger.witnessed` entry. Keep that file where the bot's database users cannot write.
- `exported FILE`: the `report.exported` entry that recorded FILE's SHA-256 (exit 0), or
  exit 1: the file (a CSV, the HTML, an evidence package with a recomputed manifest) was
  changed after it was handed out, or the chain that holds the entry is broken.

Exit codes of `verify`: 0 the chain is intact, 1 it is broken (the first tampered entry is
named), 2 the database could not be read or an argument is wrong.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.errors import require_database
from bot.cli.keys import use_ledger_keys
from bot.config import Settings
from routines import ledger
from routines.ledger.verification import VerifyResult
from storage.clock import utc_now
from storage.engines import make_engine as engine_from_url

app = typer.Typer(
    help="The evidence ledger: verify the hash chain, print its head, witness it, check "
    "an exported file.",
    no_args_is_help=True,
)

EXIT_BROKEN = 1
EXIT_UNREADABLE = 2


@app.command("verify")
def verify_command(
    head: str = typer.Option(
        "",
        "--head",
        help="A head hash witnessed earlier (e.g. the weekly seal); detects a truncated tail.",
    ),
    witness: list[Path] = typer.Option(  # noqa: B008 (typer's way)
        [],
        "--witness",
        help="A file of heads recorded earlier, one `seq hash` a line (as `audit head` "
        "prints them); may be given more than once. GDPRBOT_LEDGER_WITNESS_FILE is read too.",
    ),
) -> None:
    """Recompute the whole hash chain; exit 1 naming the first entry that was tampered with."""
    from routines.ledger.witness import WitnessFileError, read_witnesses

    witnessed = head.strip().lower() or None
    if witnessed is not None and not _is_sha256(witnessed):
        typer.echo("error: --head must be a 64-character hex SHA-256 hash", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    settings = Settings()
    use_ledger_keys(settings)
    files = [Path(settings.ledger_witness_file)] if settings.ledger_witness_file else []
    for path in witness:
        if not path.is_file():
            typer.echo(f"error: --witness: no such file: {path}", err=True)
            raise typer.Exit(EXIT_UNREADABLE)
        files.append(path)
    try:
        witnesses = [w for path in files for w in read_witnesses(path)]
    except WitnessFileError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    except OSError as exc:  # GDPRBOT_LEDGER_WITNESS_FILE a folder, unreadable, ...
        typer.echo(f"error: witness file {exc.filename}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None
    engine = engine_from_url(require_database(settings.database_url))
    try:  # an unreadable database is one line and exit 2 (bot/cli/errors.py), never 1
        result = ledger.verify(
            engine, head=witnessed, witnesses=witnesses, timezone=settings.timezone
        )
        recorded = _record(engine, ledger.LEDGER_VERIFIED, result) if result.ok else None
    finally:
        engine.dispose()
    lines = result.lines()
    if witnesses:
        lines.insert(-1, f"witnesses checked: {len(witnesses)} (up to entry "
                         f"{max(w.seq for w in witnesses)})")  # fmt: skip
    for line in lines:
        typer.echo(line, err=not result.ok and line.startswith("result:"))
    if result.ok and not witnesses and witnessed is None:
        typer.echo(
            "note: no witness checked: entries cut from the end together with the head row, "
            "or an older copy of the database put back, verify as intact without one "
            "(see `audit witness`)",
            err=True,
        )
    if recorded is False:
        typer.echo("note: this verification could not be recorded (read-only access)", err=True)
    if not result.ok:
        raise typer.Exit(EXIT_BROKEN)


def _record(engine: Engine, event: str, result: VerifyResult) -> bool:
    """Append `event` naming the verified head; False if this database user may not write."""
    from storage.sessions import session_factory, transaction

    try:
        with transaction(session_factory(engine)) as session:
            ledger.append_event(
                session, event, {"seq": result.head_seq, "hash": result.head_hash}, utc_now()
            )
    except SQLAlchemyError:
        return False
    return True


@app.command("head")
def head_command() -> None:
    """Print the ledger's last sequence number and hash (`<seq> <hash>`)."""
    engine = engine_from_url(require_database(Settings().database_url))
    try:
        seq, digest = ledger.head(engine)
    finally:
        engine.dispose()
    typer.echo(f"{seq} {digest}")


@app.command("witness")
def witness_command(
    file: Path | None = typer.Option(  # noqa: B008 (typer's way)
        None, "--file", help="The witness file (default: GDPRBOT_LEDGER_WITNESS_FILE)."
    ),
) -> None:
    """Append the head (`seq hash time`) to the witness file; record that it was witnessed."""
    from routines.ledger.witness import append_witness

    settings = Settings()
    target = file or (Path(settings.ledger_witness_file) if settings.ledger_witness_file else None)
    if target is None:
        typer.echo("error: give --file or set GDPRBOT_LEDGER_WITNESS_FILE", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    use_ledger_keys(settings)
    engine = engine_from_url(require_database(settings.database_url))
    now = utc_now()
    try:
        seq, digest = ledger.head(engine)
        append_witness(target, seq, digest, now)
        from storage.sessions import session_factory, transaction

        with transaction(session_factory(engine)) as session:
            ledger.append_event(session, ledger.LEDGER_WITNESSED, {"seq": seq, "hash": digest}, now)
    except OSError as exc:
        typer.echo(f"error: cannot write {target}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from exc
    finally:
        engine.dispose()
    typer.echo(f"{seq} {digest}")


@app.command("exported")
def exported_command(
    file: Path = typer.Argument(..., help="A report or evidence package handed out earlier."),  # noqa: B008
) -> None:
    """Find the ledger entry that recorded FILE's export; exit 1 if none (changed after export)."""
    from routines.ledger.exports import file_sha256, recorded_exports

    if not file.is_file():
        typer.echo(f"error: {file}: not a file", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    digest = file_sha256(file)  # an unreadable file is one line and exit 2 (errors.py)
    settings = Settings()
    use_ledger_keys(settings)
    engine = engine_from_url(require_database(settings.database_url))
    try:  # the entry is evidence only if the chain that holds it is intact
        result = ledger.verify(engine)
        found = recorded_exports(engine, digest) if result.ok else []
    finally:
        engine.dispose()
    if not result.ok:
        typer.echo(result.lines()[-1], err=True)
        raise typer.Exit(EXIT_BROKEN)
    if not found:
        typer.echo(
            f"{file}: no ledger entry records sha256 {digest}: the file was changed after "
            "export, or it was not exported from this database",
            err=True,
        )
        raise typer.Exit(EXIT_BROKEN)
    for entry in found:
        data = entry.data
        what = " ".join(str(data[k]) for k in ("format", "period") if data.get(k))
        typer.echo(
            f"{file}: sha256 {digest} recorded by ledger entry {entry.seq} "
            f"({what}, exported {entry.at} by {data.get('who', '?')})"
        )


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)
