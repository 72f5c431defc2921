"""`gdpr-bot requests add|forward|list`: the rights-request register from the command line.

- `add --client ID --type TYPE --received DATE [--ref TEXT]`: register a caller's request
  for a client (no caller data: the reference is the client's own ticket number). The
  same `--ref` for the same client, type and date is recorded once.
- `forward CODE [--via email|portal|phone|other]`: mark it forwarded to the client.
- `list [--client ID] [--open] [--json]`: the register.

Exit codes: 0 done; 1 no such request; 2 bad input (an unknown client or type, a date in
the future) or a broken client directory / settings. Errors are one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.config import Settings
from clients import ClientsError, Directory, UnknownClient, load_directory
from routines.service import (
    FORWARD_VIAS,
    REQUEST_KINDS,
    RequestError,
    RequestRegister,
    RequestView,
    dedupe_key,
)
from storage.clock import utc_now
from storage.migrate import create_schema, engine_from_url
from storage.sessions import session_factory

app = typer.Typer(
    help="The rights-request register: requests taken for clients, forwarded on time.",
    no_args_is_help=True,
)

EXIT_NOT_FOUND = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _fail(f"bad setting {where}: {first['msg']}") from None


def _directory(settings: Settings) -> Directory:
    try:
        return load_directory(settings.clients_paths)
    except ClientsError as exc:
        raise _fail(f"the client directory is broken: {exc.problems[0]}") from None
    except OSError as exc:
        raise _fail(f"cannot read the client directory: {exc}") from None


@contextmanager
def _register(settings: Settings) -> Iterator[RequestRegister]:
    from bot.cli.keys import use_ledger_keys

    use_ledger_keys(settings)  # the register appends to the evidence ledger
    engine = engine_from_url(settings.database_url)
    try:
        create_schema(engine)
        yield RequestRegister(
            session_factory(engine), timezone=settings.timezone, keep_years=settings.requests_years
        )
    finally:
        engine.dispose()


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} must be a date YYYY-MM-DD, not {value!r}") from None


def _row(request: RequestView) -> dict[str, object]:
    return {
        "code": request.code,
        "client": request.client_id,
        "type": request.kind,
        "ref": request.client_ref,
        "received": request.received_on.isoformat(),
        "forward_by": request.forward_by.isoformat(),
        "respond_by": request.respond_by.isoformat(),
        "forwarded_at": request.forwarded_at.isoformat() if request.forwarded_at else None,
        "forwarded_via": request.forwarded_via,
    }


@app.command("add")
def add(
    client: Annotated[str, typer.Option("--client", help="The client's id (clients list).")],
    kind: Annotated[str, typer.Option("--type", help=f"One of: {', '.join(REQUEST_KINDS)}.")],
    received: Annotated[str, typer.Option("--received", help="When the caller asked.")],
    ref: Annotated[
        str | None, typer.Option("--ref", help="The client's own ticket number, if any.")
    ] = None,
) -> None:
    """Register a request for a client; prints its code and deadlines. No caller data."""
    settings = _settings()
    directory = _directory(settings)
    try:
        found = directory.require(client)
    except UnknownClient as exc:
        raise _fail(str(exc)) from None
    kind = kind.strip().lower()
    if kind not in REQUEST_KINDS:
        raise _fail(f"--type {kind!r} is not one of {', '.join(REQUEST_KINDS)}")
    received_on = _date(received, "--received")
    dedupe = dedupe_key("cli", found.id, kind, received_on.isoformat(), ref) if ref else None
    with _register(settings) as register:
        try:
            done = register.register(
                client_id=found.id,
                kind=kind,
                received_on=received_on,
                business_days=found.rights_requests.forward_within_business_days,
                now=utc_now(),
                actor=None,
                client_ref=ref,
                dedupe=dedupe,
            )
        except RequestError as exc:
            raise _fail(str(exc)) from None
    request = done.request
    status = "registered" if done.created else "already registered"
    typer.echo(f"{status}: {request.code} ({found.name}, {request.kind})")
    typer.echo(f"forward to {found.controller} by {request.forward_by.isoformat()}: "
               + ", ".join(value for _k, value in found.rights_requests.contacts()))  # fmt: skip
    typer.echo(f"the controller answers the caller by {request.respond_by.isoformat()} "
               "(Art. 12(3))")  # fmt: skip


@app.command("forward")
def forward(
    code: Annotated[str, typer.Argument(help="The request's code.")],
    via: Annotated[
        str | None, typer.Option("--via", help=f"How: {', '.join(FORWARD_VIAS)}.")
    ] = None,
) -> None:
    """Mark a request forwarded to its client (once; a second time says when it was)."""
    settings = _settings()
    with _register(settings) as register:
        try:
            done = register.forward(code, now=utc_now(), actor=None, via=via)
        except RequestError as exc:
            raise _fail(str(exc)) from None
    if done.result == "unknown" or done.request is None:
        raise _fail(f"no request {code!r}", EXIT_NOT_FOUND)
    when = done.request.forwarded_at.isoformat() if done.request.forwarded_at else "?"
    if done.result == "already":
        typer.echo(f"already forwarded: {done.request.code} at {when}")
        return
    late = " (late: promised by " + done.request.forward_by.isoformat() + ")" if done.late else ""
    typer.echo(f"forwarded: {done.request.code} at {when}{late}")


@app.command("list")
def list_(
    client: Annotated[str | None, typer.Option("--client", help="Only this client.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only those not forwarded.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
) -> None:
    """The register (tab-separated: code, client, type, received, forward by, forwarded)."""
    settings = _settings()
    clients = None
    if client is not None:
        try:
            clients = [_directory(settings).require(client).id]
        except UnknownClient as exc:
            raise _fail(str(exc)) from None
    with _register(settings) as register:
        if open_only:
            rows = register.open_requests(clients)
        else:
            rows = register.received_between(date.min, date.max, clients)
    if as_json:
        typer.echo(json.dumps([_row(r) for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        forwarded = r.forwarded_at.isoformat() if r.forwarded_at else "open"
        typer.echo(f"{r.code}\t{r.client_id}\t{r.kind}\t{r.received_on}\t{r.forward_by}\t"
                   f"{forwarded}")  # fmt: skip
