"""`gdpr-bot ask` and `gdpr-bot kb ...` through the real command line."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from tests.knowledge.conftest import CALIBRATION, FIXTURE_KB, WriteArticle

runner = CliRunner()
# one vector cache for the tests that run the real model: the fixture articles are
# embedded once per test session, not once per test
VECTORS = Path(tempfile.gettempdir()) / "gdpr-bot-test-vectors"
QUESTION = "hur stora böter kan man få enligt gdpr"
ARTICLE_KEYS = {"id", "title", "owner", "reviewed", "gdpr"}


@pytest.fixture(autouse=True)
def fixture_kb_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Layer the fixture articles over the shipped ones; no .env from the developer's cwd;
    the lexical signal alone unless a test asks for the model (fast and stable)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_KNOWLEDGE_DIR", str(FIXTURE_KB))
    monkeypatch.setenv("GDPRBOT_DPO_CONTACT", "dpo@example.test")
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")
    monkeypatch.setenv("GDPRBOT_VECTOR_CACHE", str(tmp_path / "vectors"))


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def test_ask_json_prints_exactly_one_object_of_the_contract_shape(tmp_path: Path) -> None:
    """In a fresh process with the real embedding model, as scripts call it."""
    env = {
        "GDPRBOT_KNOWLEDGE_DIR": str(FIXTURE_KB),
        "HOME": str(tmp_path),
        "GDPRBOT_VECTOR_CACHE": str(VECTORS),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "ask", QUESTION, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    payload = json.loads(done.stdout)  # one object, nothing else on stdout
    assert set(payload) == {
        "answered",
        "lang",
        "answer",
        "article",
        "score",
        "suggestions",
        "outcome",
        "client",
    }
    assert payload["answered"] is True and payload["lang"] == "sv"
    assert payload["outcome"] == "answer"
    assert set(payload["article"]) == ARTICLE_KEYS and payload["article"]["id"] == "fines"
    assert isinstance(payload["article"]["gdpr"], list) and isinstance(payload["score"], float)
    assert payload["suggestions"] == []


_IMPORTED_AFTER_ASK = """
import sys
from bot.cli import main
sys.argv = ["gdpr-bot", "ask", "--help"]
try:
    main()
except SystemExit:
    pass
heavy = ("sqlalchemy", "alembic", "slack_bolt", "botbuilder", "aiohttp", "apscheduler")
print("heavy:", *sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def test_ask_does_not_import_the_database_or_chat_platforms(tmp_path: Path) -> None:
    """A one-shot `gdpr-bot ask` starts fast: only the ask command's module is loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED_AFTER_ASK],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "heavy:"


def test_full_cli_still_lists_every_command() -> None:
    result = gdpr_bot("--help")
    for name in ("ask", "kb", "chat", "run", "routines", "audit", "report", "privacy", "db"):
        assert name in result.output


def test_ask_json_refusal_has_null_article_and_the_dpo() -> None:
    result = gdpr_bot("ask", "vad blir det till lunch", "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0
    assert (payload["answered"], payload["outcome"], payload["article"]) == (False, "refuse", None)
    assert payload["suggestions"] == []
    assert "dpo@example.test" in payload["answer"]


def test_ask_json_clarification_lists_suggestion_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    result = gdpr_bot("ask", "registerutdrag böter incident", "--json")
    payload = json.loads(result.stdout)
    if payload["outcome"] == "clarify":
        assert payload["answered"] is False and payload["article"] is None
        assert payload["suggestions"] and all(
            set(s) == {"id", "title"} for s in payload["suggestions"]
        )
    else:
        assert payload["suggestions"] == []


@pytest.mark.parametrize("question", ["", "😀😀", "x" * 1_000_000])
def test_ask_answers_bad_input_clearly(question: str) -> None:
    result = gdpr_bot("ask", question, "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0 and payload["outcome"] in ("refuse", "clarify", "answer")
    if not question.strip("😀"):
        assert payload["outcome"] == "refuse" and "fråga" in payload["answer"]


def test_ask_with_a_bad_embeddings_setting_is_a_one_line_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "gopher://x")
    result = gdpr_bot("ask", "gdpr böter")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "GDPRBOT_EMBEDDINGS must be builtin, off or an http(s) URL, not 'gopher://x'"
    ]


def test_ask_lang_option_overrides_detection() -> None:
    payload = json.loads(gdpr_bot("ask", "GDPR fines", "--lang", "sv", "--json").stdout)
    assert payload["lang"] == "sv"


def test_ask_prints_a_readable_answer_with_a_source_line() -> None:
    result = gdpr_bot("ask", "hur stora böter kan man få enligt gdpr")
    assert result.exit_code == 0
    assert "Källa: Sanktionsavgifter enligt GDPR" in result.stdout
    assert "ansvarig: Dataskyddsombud · granskad: 2026-08-01 · GDPR: 83" in result.stdout


def test_ask_on_a_broken_knowledge_base_prints_problems_and_fails(
    write_article: WriteArticle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_article(body="")
    monkeypatch.setenv("GDPRBOT_KNOWLEDGE_DIR", str(path.parent.parent))
    result = gdpr_bot("ask", "gdpr böter", "--json")
    assert result.exit_code != 0 and result.stdout == ""
    assert f"{path}:14: body: is empty" in result.stderr


def test_kb_check_passes_on_a_valid_dir() -> None:
    result = gdpr_bot("kb", "check", str(FIXTURE_KB), "--no-shipped")
    assert result.exit_code == 0, result.output


def test_kb_check_prints_one_line_per_problem_and_exits_non_zero(
    write_article: WriteArticle,
) -> None:
    path = write_article(body="")
    result = gdpr_bot("kb", "check", str(path.parent.parent), "--no-shipped")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:14: body: is empty"]


def test_kb_check_of_a_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = gdpr_bot("kb", "check", str(tmp_path / "no-such-dir"))
    assert result.exit_code == 2  # like `quiz check` and `clients check`: not a finding
    assert result.stdout == "" and "no-such-dir" in result.stderr


def test_kb_eval_json_summary(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "lang": "sv", "q": "gdpr böter", "expect_any": ["20 miljoner"]}\n'
        '{"id": "b", "lang": "en", "q": "when is pizza day", "expect_fallback": true}\n'
        '{"id": "c", "lang": "en", "q": "when is pizza day", "expect_any": ["pizza"]}\n',
        encoding="utf-8",
    )
    result = gdpr_bot("kb", "eval", str(questions), "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("total", "correct", "answerable_accuracy")} == {
        "total": 3,
        "correct": 2,
        "answerable_accuracy": 0.5,
    }
    assert (summary["fallback_accuracy"], summary["failures"]) == (1.0, ["c"])
    assert summary["by_language"]["en"]["off_topic_refused"] == 1
    assert summary["by_language"]["sv"]["answered_right"] == 1
    assert summary["overall"]["refused"] == 1


def test_kb_eval_text_lists_failures_and_a_summary(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "c", "lang": "en", "q": "when is pizza day", "expect_any": ["pizza"]}\n',
        encoding="utf-8",
    )
    result = gdpr_bot("kb", "eval", str(questions))
    assert result.exit_code == 0  # it measures; it does not judge
    assert result.stdout.startswith("REFUSED c [en] when is pizza day")
    assert "en: answered right 0.0%" in result.stdout
    assert "0/1 correct" in result.stdout


def test_kb_eval_of_a_file_that_is_not_there_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = gdpr_bot("kb", "eval", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: no such file\n"


def test_kb_eval_rejects_a_malformed_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "x", "q": "no expectation"}\n', encoding="utf-8")
    result = gdpr_bot("kb", "eval", str(questions))
    assert result.exit_code == 2
    assert f"{questions}:1:" in result.stderr


def test_the_calibration_file_has_200_questions_and_60_off_topic() -> None:
    result = gdpr_bot("kb", "eval", str(CALIBRATION), "--json")
    overall = json.loads(result.stdout)["overall"]
    assert overall["on_topic"] + overall["off_topic"] >= 200 and overall["off_topic"] >= 60


def test_kb_calibrate_writes_fitted_parameters_with_provenance(tmp_path: Path) -> None:
    questions = tmp_path / "labelled.jsonl"
    lines = [
        '{"id": "a", "lang": "sv", "q": "gdpr böter", "articles": ["fines"]}',
        '{"id": "b", "lang": "en", "q": "how big are the fines", "articles": ["fines"]}',
        '{"id": "c", "lang": "sv", "q": "vad kostar registerutdrag", '
        '"articles": ["right-of-access"]}',
        '{"id": "d", "lang": "sv", "q": "jag mejlade fel kund", '
        '"articles": ["personal-data-breach"]}',
        '{"id": "e", "lang": "en", "q": "when is pizza day", "expect_fallback": true}',
        '{"id": "f", "lang": "sv", "q": "var får jag parkera", "expect_fallback": true}',
    ]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = tmp_path / "confidence.json"
    result = gdpr_bot("kb", "calibrate", str(questions), "--output", str(output))
    assert result.exit_code == 0, result.output
    fitted = json.loads(output.read_text(encoding="utf-8"))
    assert fitted["lexical"]["provenance"]["fitted_on"] == ["labelled.jsonl"]
    assert "cross_validation" in fitted["lexical"]["provenance"]
    assert "lexical: answer at" in result.stdout


def test_kb_calibrate_joins_label_files_with_the_shared_sets(tmp_path: Path) -> None:
    """Labels by id in the repository, question text in `--shared DIR/eval/<set>.jsonl`."""
    (tmp_path / "shared" / "eval").mkdir(parents=True)
    shared_set = tmp_path / "shared" / "eval" / "devx.jsonl"
    shared_set.write_text(
        '{"id": "x1", "lang": "sv", "q": "gdpr böter", "expect_any": ["böter"]}\n'
        '{"id": "x2", "lang": "en", "q": "when is pizza day", "expect_fallback": true}\n'
        '{"id": "x3", "lang": "en", "q": "what makes consent valid", "expect_any": ["x"]}\n',
        encoding="utf-8",
    )
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        '{"id": "a", "lang": "en", "q": "how big are the fines", "articles": ["fines"]}\n'
        '{"id": "b", "lang": "sv", "q": "vad kostar registerutdrag", '
        '"articles": ["right-of-access"]}\n'
        '{"id": "c", "lang": "sv", "q": "var får jag parkera", "expect_fallback": true}\n'
        '{"id": "d", "lang": "sv", "q": "jag mejlade fel kund", '
        '"articles": ["personal-data-breach"]}\n',
        encoding="utf-8",
    )
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"set": "devx", "id": "x1", "articles": ["fines"]}\n'
        '{"set": "devx", "id": "x2", "expect_fallback": true}\n'
        '{"set": "devx", "id": "x3", "articles": ["consent"], "near_frozen": "f-en-016"}\n',
        encoding="utf-8",
    )
    output = tmp_path / "confidence.json"
    args = [str(questions), str(labels), "--shared", str(tmp_path / "shared")]
    result = gdpr_bot("kb", "calibrate", *args, "--output", str(output))
    assert result.exit_code == 0, result.output
    provenance = json.loads(output.read_text(encoding="utf-8"))["lexical"]["provenance"]
    assert provenance["fitted_on"] == ["questions.jsonl", "labels.jsonl", "devx.jsonl"]
    digest = hashlib.sha256(shared_set.read_bytes()).hexdigest()
    assert provenance["inputs"][2] == {"file": "devx.jsonl", "sha256": digest}
    assert provenance["questions"] == 6  # x3 is near the frozen split: not fitted on


def test_kb_calibrate_without_the_shared_set_a_label_file_names_says_so(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"set": "dev2", "id": "d2-001", "articles": ["fines"]}\n', "utf-8")
    result = gdpr_bot(
        "kb", "calibrate", str(labels), "--shared", str(tmp_path / "none"), "--output", "c.json"
    )
    assert result.exit_code == 2 and "dev2.jsonl is missing" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_kb_calibrate_on_a_missing_file_names_it_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = gdpr_bot("kb", "calibrate", str(missing), "--output", str(tmp_path / "c.json"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{missing}: cannot read it (No such file or directory); give a labelled JSONL file"
    ]


def test_kb_calibrate_needs_article_ids(tmp_path: Path) -> None:
    questions = tmp_path / "phrases.jsonl"
    questions.write_text('{"id": "a", "q": "gdpr böter", "expect_any": ["x"]}\n', "utf-8")
    result = gdpr_bot("kb", "calibrate", str(questions), "--output", str(tmp_path / "c.json"))
    assert result.exit_code == 2 and "articles" in result.stderr
    assert not (tmp_path / "c.json").exists()


def test_kb_calibrate_names_a_label_for_an_article_the_base_lacks_before_fitting(
    tmp_path: Path,
) -> None:
    questions = tmp_path / "labelled.jsonl"
    questions.write_text(
        '{"id": "a", "lang": "en", "q": "how big are the fines", "articles": ["fines"]}\n'
        '{"id": "b", "lang": "sv", "q": "gdpr böter", "articles": ["finse"]}\n',
        "utf-8",
    )
    result = gdpr_bot("kb", "calibrate", str(questions), "--output", str(tmp_path / "c.json"))
    assert result.exit_code == 2
    unknown = "articles: unknown article 'finse' (no such id in the knowledge base)"
    assert result.stderr.strip().splitlines() == [f"error: {questions}:2: {unknown}"]
    assert not (tmp_path / "c.json").exists()


def test_kb_embed_without_a_model_says_there_is_nothing_to_do() -> None:
    result = gdpr_bot("kb", "embed")
    assert result.exit_code == 2 and "GDPRBOT_EMBEDDINGS=off" in result.stderr


def test_kb_embed_caches_the_vectors_of_local_articles(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "builtin")
    monkeypatch.setenv("GDPRBOT_VECTOR_CACHE", str(VECTORS))
    result = gdpr_bot("kb", "embed")
    assert result.exit_code == 0, result.output
    assert any(VECTORS.glob("*.npz"))
