"""Fixtures for the client directory: the shipped example and small files written per test."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from clients import EXAMPLE_DIR, Client, Directory, check_directory, load_directory

WriteFile = Callable[..., Path]

# One valid client; tests change a line or two of it to make one problem.
ACME = """\
clients:
  - id: acme
    name: Acme AB
    aliases: [acme-kön, acme queue]
    controller: Acme AB (556000-0000)
    rights_requests:
      email: dataskydd@acme.example
      url: https://acme.example/gdpr
      phone: "+46 8 000 00 00"
      forward_within_business_days: 1
      script:
        sv: Acme AB är personuppgiftsansvarigt; skriv till {{client.rights_email}}.
        en: Acme AB is the controller; write to {{client.rights_email}}.
    retention:
      - data: {sv: bokningar, en: bookings}
        keep: {sv: 24 månader efter avresa, en: 24 months after departure}
    channels: [C0ACME, "19:abc@thread.tacv2"]
"""


def client_yaml(client_id: str, name: str, *, aliases: str = "[]", channels: str = "[]") -> str:
    """A minimal valid client entry, to put under `clients:` (several make a directory)."""
    return (
        f"  - id: {client_id}\n"
        f"    name: {name}\n"
        f"    aliases: {aliases}\n"
        f"    controller: {name}\n"
        f"    rights_requests: {{email: privacy@{client_id}.example,"
        " script: {sv: Hej, en: Hi}}\n"
        f"    channels: {channels}\n"
    )


@pytest.fixture(scope="session")
def example() -> Directory:
    return load_directory([EXAMPLE_DIR])


@pytest.fixture(scope="session")
def solvinge(example: Directory) -> Client:
    return example.require("solvinge")


@pytest.fixture(scope="session")
def hemladan(example: Directory) -> Client:
    return example.require("hemladan")


@pytest.fixture
def write(tmp_path: Path) -> WriteFile:
    """Write YAML text (dedented) to a file under tmp_path and return its path."""

    def write_file(text: str, name: str = "clients.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def problems_in(write: WriteFile) -> Callable[[str], list[str]]:
    """The problems of one file, as `line: field: message` (the path left off)."""

    def problems(text: str) -> list[str]:
        path = write(text)
        return [str(p).removeprefix(f"{path}:") for p in check_directory([path])]

    return problems
