"""`gdpr-bot ask --client ID`: the answer filled with that client's facts; `client` in JSON."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from clients import EXAMPLE_DIR
from tests.bot.desk.conftest import ARTICLE

runner = CliRunner()
VECTORS = Path(tempfile.gettempdir()) / "gdpr-bot-test-vectors"
ERASURE = "right-to-erasure"  # the shipped article the test's client-aware one replaces


@pytest.fixture(autouse=True)
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The shipped articles, the erasure one replaced by a client-aware version (as a company
    adapts a shipped article: same id, so no second article competes for the question and the
    test does not hang on the fitted thresholds); the example directory."""
    kb = tmp_path / "kb"
    for lang, text in ARTICLE.items():
        (kb / lang).mkdir(parents=True)
        own = dedent(text).replace("id: refer-erasure", f"id: {ERASURE}")
        (kb / lang / f"{ERASURE}.md").write_text(own, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_KNOWLEDGE_DIR", str(kb))
    monkeypatch.setenv("GDPRBOT_VECTOR_CACHE", str(VECTORS))  # the shipped ones, once
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))


def ask(*args: str) -> Result:
    return runner.invoke(app, ["ask", *args])


def test_with_a_client_the_answer_names_its_controller_address_and_script() -> None:
    result = ask("kunden kräver radering av sina uppgifter", "--client", "hemladan", "--json")

    payload = json.loads(result.stdout)
    assert result.exit_code == 0
    assert payload["client"] == "hemladan"
    assert payload["article"]["id"] == ERASURE
    assert "Hemlådan Nordic AB (org.nr 556000-0002)" in payload["answer"]
    assert "integritet@hemladan.example" in payload["answer"]


def test_a_client_named_in_the_question_is_used_without_the_option() -> None:
    payload = json.loads(ask("Solvinge-kunden kräver radering av sina uppgifter", "--json").stdout)

    assert payload["client"] == "solvinge"
    assert "dataskydd@solvinge.example" in payload["answer"]


def test_without_a_client_the_answer_is_generic_and_client_is_null() -> None:
    payload = json.loads(ask("kunden kräver radering av sina uppgifter", "--json").stdout)

    assert payload["client"] is None
    assert "solvinge" not in payload["answer"].lower()
    assert "hemladan" not in payload["answer"].lower()


def test_an_unknown_client_is_one_line_and_exit_2() -> None:
    result = ask("kunden vill bli raderad", "--client", "hemladn")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: unknown client 'hemladn' (did you mean 'hemladan'? known: solvinge, hemladan)\n"
    )
