"""The console front end: in-process line by line, and `gdpr-bot chat` piped in a subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.chat.conversation import Conversation
from bot.chat.messages import AnswerCard, Button, Reply
from bot.chat.pipeline import NoClaims, Pipeline
from bot.platforms.console.front_end import Console, render_reply
from knowledge import Answerer, KnowledgeBase
from storage.clock import utc_now
from tests.bot.conftest import DPO, TEST_KB
from tests.conftest import REPO

GDPR_BOT = Path(sys.executable).with_name("gdpr-bot")


class FeedbackLog:
    def __init__(self) -> None:
        self.votes: list[tuple[int, str]] = []

    async def record_question(self, **fields: object) -> int | None:
        return 5

    async def record_feedback(
        self, question_id: int, vote: str, now: object, *, voter: str
    ) -> bool:
        self.votes.append((question_id, vote))
        return True


def run_console(conversation: Conversation, text: str) -> str:
    import asyncio

    out: list[str] = []
    pipeline = Pipeline(conversation, NoClaims(), clock=utc_now)
    console = Console(pipeline, stdin=io.StringIO(text), write=out.append, user_id="anna")
    asyncio.run(console.run())
    return "\n".join(out)


@pytest.fixture
def conversation(test_knowledge: KnowledgeBase) -> Conversation:
    return Conversation(Answerer(test_knowledge, DPO), dpo_contact=DPO, clock=utc_now)


def test_console_greets_in_both_languages(conversation: Conversation) -> None:
    output = run_console(conversation, "")

    assert "Jag är GDPR-boten" in output and "I am the GDPR bot" in output
    assert "Det här kan jag" in output


def test_console_answers_with_title_answer_and_source_line(conversation: Conversation) -> None:
    output = run_console(conversation, "hur länge sparar vi samtalsinspelningar?\n")

    assert "== Hur länge sparar vi samtalsinspelningar? ==" in output
    assert "90 dagar" in output
    assert "Källa: Hur länge sparar vi samtalsinspelningar? · Ansvarig: Kundtjänstchef" in output
    assert "Granskad: 2026-09-01" in output


def test_console_stops_at_avsluta(conversation: Conversation) -> None:
    output = run_console(conversation, "avsluta\nhjälp\n")

    assert output.rstrip().endswith("Hej då!")
    assert output.count("Det här kan jag") == 1  # the greeting's help only


class Terminal(io.StringIO):
    """Typed input: a terminal, so the console prompts."""

    def isatty(self) -> bool:
        return True


def test_ctrl_d_at_the_prompt_ends_the_line_and_says_goodbye(
    conversation: Conversation, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    out: list[str] = []
    pipeline = Pipeline(conversation, NoClaims(), clock=utc_now)
    console = Console(pipeline, stdin=Terminal(""), write=out.append, user_id="anna")
    asyncio.run(console.run())

    assert capsys.readouterr().out.endswith("> ")  # the prompt Ctrl-D was typed at
    assert out[-1] == "\nHej då!"


def test_typing_a_button_number_clicks_it(test_knowledge: KnowledgeBase) -> None:
    log = FeedbackLog()
    conversation = Conversation(Answerer(test_knowledge, DPO), question_log=log, clock=utc_now)

    output = run_console(conversation, "what is a personal data breach?\n2\n")

    assert log.votes == [(5, "down")]
    assert "Tack för din återkoppling" in output


def test_render_reply_numbers_buttons_after_the_source() -> None:
    card = AnswerCard("a", "Titel", "Ägare", "2026-01-01", ("6",), "sv")
    reply = Reply(text="Svar.", card=card, buttons=(Button("x", "👍"), Button("y", "👎")))

    assert render_reply(reply).splitlines() == [
        "== Titel ==",
        "Svar.",
        "(Källa: Titel · Ansvarig: Ägare · Granskad: 2026-01-01 · 6)",
        "[1] 👍  [2] 👎",
    ]


def _chat(tmp_path: Path, stdin: str, knowledge_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "GDPRBOT_KNOWLEDGE_DIR": str(knowledge_dir),
        "GDPRBOT_DPO_CONTACT": DPO,
        "USER": "console-tester",
    }
    return subprocess.run(
        [str(GDPR_BOT), "chat"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_piped_chat_session_answers_and_quits(tmp_path: Path) -> None:
    # "1" picks the first option should the question be offered rather than answered (which
    # one depends on the fitted thresholds, not on the console); after an answer it is noise
    result = _chat(tmp_path, "hjälp\nhur länge sparar vi samtalsinspelningar?\n1\nquit\n", TEST_KB)

    assert result.returncode == 0, result.stderr
    assert "Det här kan jag" in result.stdout
    assert "(Källa: " in result.stdout and "Ansvarig: " in result.stdout
    assert result.stdout.rstrip().endswith("Goodbye!")


def test_chat_refuses_a_broken_knowledge_base(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    broken = tmp_path / "kb" / "sv"
    broken.mkdir(parents=True)
    (broken / "half.md").write_text("---\nid: half\n---\nno title\n", encoding="utf-8")
    env = {
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "GDPRBOT_KNOWLEDGE_DIR": str(broken.parent),
    }

    result = CliRunner().invoke(app, ["chat"], input="hjälp\n", env=env)

    assert result.exit_code != 0
    assert "half.md" in result.output


def test_chat_refuses_a_broken_routine_catalogue(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    catalogue = tmp_path / "routines.yaml"
    catalogue.write_text("routines:\n  - id: half\n", encoding="utf-8")
    env = {
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "GDPRBOT_ROUTINES_FILE": str(catalogue),
    }

    result = CliRunner().invoke(app, ["chat"], input="hjälp\n", env=env)

    assert result.exit_code == 2
    assert "routine catalogue is broken, the bot will not start" in result.output


def test_chat_refuses_a_broken_client_directory_naming_file_and_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    directory = tmp_path / "clients.yaml"
    directory.write_text("clients:\n  - id: Acme\n    name: Acme AB\n", encoding="utf-8")
    env = {
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "GDPRBOT_CLIENTS": str(directory),
        "GDPRBOT_EMBEDDINGS": "off",
    }

    result = CliRunner().invoke(app, ["chat"], input="hjälp\n", env=env)

    assert result.exit_code == 2
    assert "client directory is broken, the bot will not start" in result.output
    assert f"{directory}:2: id:" in result.output
    assert "Traceback" not in result.output


def test_did_you_mean_is_numbered_and_typing_the_number_answers(
    test_knowledge: KnowledgeBase,
) -> None:
    from tests.bot.clarifying import ASK_BACK

    asking = Conversation(Answerer(test_knowledge, DPO, thresholds=ASK_BACK), clock=utc_now)

    output = run_console(asking, "recording breach\n2\n")

    question, answer = output.split("== ", 1)
    assert "Did you mean" in question
    choices = [line for line in question.splitlines() if line.startswith("[")]
    assert [c[:4] for c in choices] == ["[1] ", "[2] "]  # one per line, numbered
    chosen = choices[1][4:]
    assert answer.startswith(f"{chosen} ==")  # typing 2 answered with the second article
    assert "(Source: " in answer


def test_bytes_that_are_not_utf8_do_not_end_the_session(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
        "GDPRBOT_KNOWLEDGE_DIR": str(TEST_KB),
        "GDPRBOT_DPO_CONTACT": DPO,
        "GDPRBOT_EMBEDDINGS": "off",
        "USER": "console-tester",
    }
    stdin = b"vad \xe4r en incident \xff\xfe?\nhej\nquit\n"

    result = subprocess.run(
        [str(GDPR_BOT), "chat"], input=stdin, capture_output=True, env=env, cwd=REPO, timeout=120
    )

    out = result.stdout.decode("utf-8")
    assert result.returncode == 0, result.stderr
    assert "gick fel" not in out and "conversation failed" not in result.stderr.decode()
    assert "Hej! Jag svarar på frågor om GDPR" in out
    assert out.rstrip().endswith("Goodbye!")
