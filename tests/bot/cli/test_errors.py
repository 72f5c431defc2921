"""Every command against a broken environment: one line on stderr, exit 2, no traceback.

Broken environments: a database URL that is not a URL, an unsupported database, a SQLite
file in a folder that does not exist, an unreachable PostgreSQL, and (for the commands
that only work on existing records) a SQLite file that does not exist.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app

runner = CliRunner()

COMMANDS = {
    "audit verify": ["audit", "verify"],
    "audit head": ["audit", "head"],
    "report": ["report", "--period", "2027-Q1"],
    "insights": ["insights"],
    "privacy export": ["privacy", "export", "U0000USER"],
    "privacy erase": ["privacy", "erase", "U0000USER"],
    "privacy purge": ["privacy", "purge"],
    "db status": ["db", "status"],
    "db upgrade": ["db", "upgrade"],
    "routines run-due": ["routines", "run-due"],
    "web link": ["web", "link", "U0000USER"],
    "chat": ["chat"],
    "run": ["run"],
}
# Read-only or record-changing commands refuse a SQLite file that does not exist.
NEEDS_EXISTING = ["audit verify", "audit head", "report", "insights", "privacy export",
                  "privacy erase", "privacy purge", "db status"]  # fmt: skip

BROKEN_URLS = {
    "not a url": ("notaurl", "not a database URL"),
    "mysql": ("mysql://user@localhost/gdpr", "unsupported database 'mysql'"),
    "missing folder": ("sqlite:///{tmp}/no/such/dir/bot.db", "folder does not exist"),
    "unreachable postgres": ("postgresql://postgres@127.0.0.1:1/test", "database unavailable"),
}


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GDPRBOT_CONSOLE", "off")
    monkeypatch.setenv("GDPRBOT_WEB", "true")
    monkeypatch.setenv("GDPRBOT_WEB_SECRET", "s" * 40)
    monkeypatch.setenv("GDPRBOT_PORT", "0")
    monkeypatch.setenv("GDPRBOT_TEAMS", "false")
    # `run` logs its start at INFO; the error line is what is counted here
    monkeypatch.setenv("GDPRBOT_LOG_LEVEL", "WARNING")
    return tmp_path


def gdpr_bot(*args: str) -> Result:
    return runner.invoke(app, list(args), input="")


def assert_one_line(result: Result, expected: str) -> None:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert expected in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", BROKEN_URLS.values(), ids=BROKEN_URLS.keys())
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_broken_database_url_is_one_line_and_exit_2(
    environment: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], url: tuple[str, str]
) -> None:
    value, expected = url
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", value.format(tmp=environment))

    assert_one_line(gdpr_bot(*command), expected)


@pytest.mark.parametrize("name", NEEDS_EXISTING)
def test_a_sqlite_file_that_does_not_exist_is_refused_not_created(
    environment: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    missing = environment / "typo.db"
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{missing}")

    assert_one_line(gdpr_bot(*COMMANDS[name]), "no SQLite database at")
    assert not missing.exists()


def test_db_upgrade_creates_a_new_sqlite_file(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'new.db'}")

    result = gdpr_bot("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert (environment / "new.db").exists()


def test_a_read_only_database_at_start_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = environment / "bot.db"
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{database}")
    assert gdpr_bot("db", "upgrade").exit_code == 0
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///file:{database}?mode=ro&uri=true")

    assert_one_line(gdpr_bot("run"), "cannot be written")


def test_report_into_a_folder_that_does_not_exist_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")
    assert gdpr_bot("db", "upgrade").exit_code == 0

    result = gdpr_bot("report", "--period", "2027-Q1", "--out", "/no/such/dir/x.csv")

    assert_one_line(result, "/no/such/dir")


@pytest.mark.parametrize(
    "report",
    [["--period", "2027-Q1"], ["--training", "--period", "2027-Q1"],
     ["--client", "solvinge", "--period", "2027-Q1"]],
    ids=["adherence", "training", "client"],
)  # fmt: skip
def test_report_out_a_folder_is_one_line_and_records_no_export(
    environment: Path, monkeypatch: pytest.MonkeyPatch, report: list[str]
) -> None:
    from clients import EXAMPLE_DIR
    from routines import ledger
    from storage.engines import make_engine

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    assert gdpr_bot("db", "upgrade").exit_code == 0
    engine = make_engine(f"sqlite:///{environment / 'bot.db'}")
    before = ledger.head(engine)
    (environment / "reports").mkdir()

    result = gdpr_bot("report", *report, "--out", str(environment / "reports"))

    assert_one_line(result, "is a folder")
    assert ledger.head(engine) == before  # no report.exported for a file nobody got
    engine.dispose()


@pytest.mark.parametrize("command", ["audit verify", "report", "routines run-due", "run"])
def test_a_dot_env_that_is_not_utf8_text_is_one_line_naming_it(
    environment: Path, command: str
) -> None:
    # e.g. saved as Latin-1 / Windows-1252 by an editor: the organisation's name with Å
    (environment / ".env").write_bytes("GDPRBOT_ORGANISATION=Åkerö AB\n".encode("latin-1"))

    assert_one_line(gdpr_bot(*COMMANDS[command]), ".env")


def test_a_setting_of_the_wrong_type_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_DB_POOL_SIZE", "many")

    assert_one_line(gdpr_bot("audit", "verify"), "GDPRBOT_DB_POOL_SIZE")


@pytest.mark.parametrize(
    "setting",
    ["GDPRBOT_TICK_SECONDS=0", "GDPRBOT_TICK_SECONDS=-5", "GDPRBOT_CLAIM_LEASE_SECONDS=0",
     "GDPRBOT_DB_POOL_SIZE=0", "GDPRBOT_DB_STATEMENT_TIMEOUT_MS=-1", "GDPRBOT_PORT=70000",
     "GDPRBOT_PORT=-1", "GDPRBOT_QUESTION_LOG_DAYS=-1", "GDPRBOT_EVIDENCE_YEARS=-1",
     "GDPRBOT_EMBEDDINGS_TIMEOUT=0", "GDPRBOT_EMBEDDINGS_THREADS=0"],
)  # fmt: skip
def test_a_number_setting_out_of_its_range_is_one_line_naming_it(
    environment: Path, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    # A tick or lease of 0 ran without complaint: nothing was ever sent (a notice is sent
    # only while half its lease is left), a port past 65535 was an "unexpected error".
    name, value = setting.split("=")
    monkeypatch.setenv(name, value)

    assert_one_line(gdpr_bot(*COMMANDS["audit verify"]), name)


@pytest.mark.parametrize("command", ["report", "routines run-due", "audit verify"])
def test_a_time_zone_that_does_not_exist_is_one_line_naming_the_setting(
    environment: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("GDPRBOT_TIMEZONE", "Mars/Olympus")

    assert_one_line(gdpr_bot(*COMMANDS[command]), "GDPRBOT_TIMEZONE")


def test_a_witness_file_setting_naming_a_folder_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_LEDGER_WITNESS_FILE", str(environment))

    assert_one_line(gdpr_bot("audit", "verify"), f"witness file {environment}: Is a directory")


def test_a_log_level_that_does_not_exist_is_one_line_naming_the_setting(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_LOG_LEVEL", "LOUD")

    assert_one_line(gdpr_bot("chat"), "GDPRBOT_LOG_LEVEL")


def test_debug_in_the_env_file_shows_the_traceback(environment: Path) -> None:
    (environment / ".env").write_text("GDPRBOT_LOG_LEVEL=debug\n", encoding="utf-8")
    env = {"GDPRBOT_DATABASE_URL": "notaurl", "PATH": "/usr/bin:/bin", "HOME": str(environment)}
    command = [sys.executable, "-m", "bot.cli", "audit", "verify"]

    loud = subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert loud.returncode != 0 and "DatabaseUrlError" in loud.stderr
    assert "Traceback" in loud.stderr


@pytest.mark.parametrize("extra", [[], ["--training"], ["--format", "zip"]], ids=str)
def test_a_report_to_a_closed_stdout_is_one_line_and_records_nothing(
    environment: Path, extra: list[str]
) -> None:
    from routines import ledger
    from storage.engines import make_engine
    from storage.migrate import create_schema

    url = f"sqlite:///{environment / 'bot.db'}"
    engine = make_engine(url)
    create_schema(engine)
    before = ledger.head(engine)
    env = {"GDPRBOT_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(environment)}
    command = [sys.executable, "-m", "bot.cli", "report", "--period", "2027-Q1", *extra]

    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          preexec_fn=lambda: os.close(1), text=True, check=False)  # fmt: skip

    assert done.returncode == 2
    assert done.stderr == "error: standard output is closed: give --out FILE\n"
    assert ledger.head(engine) == before
    engine.dispose()


def test_a_register_extract_to_a_closed_stdout_is_one_line(environment: Path) -> None:
    url = f"sqlite:///{environment / 'bot.db'}"
    env = {"GDPRBOT_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "HOME": str(environment)}
    command = [sys.executable, "-m", "bot.cli", "privacy", "export", "U0000USER"]

    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          preexec_fn=lambda: os.close(1), text=True, check=False)  # fmt: skip

    assert (done.returncode, done.stderr) == (
        2, "error: standard output is closed: give --out FILE\n"
    )  # fmt: skip


def test_debug_shows_the_traceback(environment: Path) -> None:
    env = {"GDPRBOT_DATABASE_URL": "notaurl", "PATH": "/usr/bin:/bin", "HOME": str(environment)}
    command = [sys.executable, "-m", "bot.cli", "audit", "verify"]

    quiet = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    loud = subprocess.run([*command, "--debug"], env=env, capture_output=True, text=True,
                          check=False)  # fmt: skip

    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert len(quiet.stderr.strip().splitlines()) == 1
    assert loud.returncode != 0 and "Traceback" in loud.stderr
    assert "DatabaseUrlError" in loud.stderr


USAGE_ERRORS = {
    "unknown command": (["nosuch"], "No such command"),
    "unknown option": (["audit", "verify", "--bogus"], "--bogus"),
    "bad option value": (["insights", "--format", "pdf"], "--format"),
    "option without its value": (["report", "--period"], "--period"),
    "missing argument": (["privacy", "erase"], "Missing argument"),
}


@pytest.mark.parametrize("args,expected", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_a_usage_error_is_one_line_and_exit_2(
    environment: Path, args: list[str], expected: str
) -> None:
    result = gdpr_bot(*args)

    assert_one_line(result, expected)
    assert "--help" in result.output  # where to read how it is used


REPORTS = {
    "adherence": ["--period", "2027-Q1"],
    "training": ["--training", "--period", "2027-Q1"],
    "client": ["--client", "solvinge", "--period", "2027-Q1"],
}


@pytest.fixture
def report_db(environment: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from clients import EXAMPLE_DIR

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")
    monkeypatch.setenv("GDPRBOT_CLIENTS", str(EXAMPLE_DIR))
    assert gdpr_bot("db", "upgrade").exit_code == 0
    return environment


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_report_out_a_named_pipe_writes_into_it_and_leaves_it_a_pipe(
    report_db: Path, report: list[str]
) -> None:
    # the same path as `--out /dev/null` or `/dev/stdout`: renaming a finished file over
    # it would replace the device with a plain file (as root: the machine's /dev/null)
    pipe = report_db / "pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = gdpr_bot("report", *report, "--out", str(pipe))
        written = os.read(reader, 1 << 16)
    finally:
        os.close(reader)

    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert written


@pytest.mark.parametrize("report", REPORTS.values(), ids=REPORTS.keys())
def test_report_out_a_symlink_writes_the_file_it_names(report_db: Path, report: list[str]) -> None:
    target = report_db / "reports" / "latest.csv"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = report_db / "latest.csv"
    link.symlink_to(target)

    result = gdpr_bot("report", *report, "--out", str(link))

    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_bytes() != b"old"


def test_report_out_a_file_that_cannot_be_written_names_it(report_db: Path) -> None:
    result = gdpr_bot("report", "--period", "2027-Q1", "--out", "/proc/report.csv")

    assert_one_line(result, "--out: cannot write /proc/report.csv")


BROKEN_ENV_FILES = {
    "a line that is not NAME=value": (b"GDPRBOT_PORT=0\nnot it\n", ".env:2: not a NAME=value"),
    "an unclosed quote": (b'GDPRBOT_TIMEZONE="Europe/Stockholm\n', ".env:1: not a NAME=value line"),
    "not UTF-8": (b"GDPRBOT_PORT=0\nGDPRBOT_ORGANISATION=Caf\xe9 AB\n", ".env:2: not UTF-8 text"),
    "a value of the wrong type": (b"GDPRBOT_DB_POOL_SIZE=many\n", "GDPRBOT_DB_POOL_SIZE"),
}  # fmt: skip


@pytest.mark.parametrize("content,expected", BROKEN_ENV_FILES.values(), ids=BROKEN_ENV_FILES.keys())
@pytest.mark.parametrize("command", ["routines list", "audit verify", "chat"])
def test_a_broken_env_file_is_one_line_naming_file_and_line(
    environment: Path, content: bytes, expected: str, command: str
) -> None:
    # a line dotenv cannot parse used to be skipped (its setting silently the default),
    # and a file that is not UTF-8 crashed the error path itself with a traceback
    (environment / ".env").write_bytes(content)
    args = {"routines list": ["routines", "list"], "audit verify": ["audit", "verify"],
            "chat": ["chat"]}[command]  # fmt: skip

    assert_one_line(gdpr_bot(*args), expected)


def test_doctor_names_the_broken_env_file_line_in_one_line(environment: Path) -> None:
    (environment / ".env").write_bytes(b"GDPRBOT_PORT=0\n'unclosed\n")

    result = gdpr_bot("doctor")

    assert result.exit_code == 2
    assert result.stdout.strip() == (
        "fail  settings: .env:2: not a NAME=value line (an unclosed quote?); fix or remove it"
    )


BROKEN_CONFIGURATION = {
    "routines list": ("GDPRBOT_ROUTINES_FILE", ["routines", "list"], "routine catalogue"),
    "routines show": ("GDPRBOT_ROUTINES_FILE", ["routines", "show", "x"], "routine catalogue"),
    "routines run-due": ("GDPRBOT_ROUTINES_FILE", ["routines", "run-due"], "routine catalogue"),
    "report --training": ("GDPRBOT_ROUTINES_FILE", ["report", "--training", "--period", "2027-Q1"],
                          "routine catalogue"),
    "chat (routines)": ("GDPRBOT_ROUTINES_FILE", ["chat"], "routine catalogue"),
    "clients list": ("GDPRBOT_CLIENTS", ["clients", "list"], "client directory"),
    "ask (clients)": ("GDPRBOT_CLIENTS", ["ask", "hej"], "client directory"),
    "chat (clients)": ("GDPRBOT_CLIENTS", ["chat"], "client directory"),
    "ask (knowledge)": ("GDPRBOT_KNOWLEDGE_DIR", ["ask", "hej"], "knowledge base"),
    "chat (knowledge)": ("GDPRBOT_KNOWLEDGE_DIR", ["chat"], "knowledge base"),
}  # fmt: skip


@pytest.mark.parametrize(
    "setting,args,what", BROKEN_CONFIGURATION.values(), ids=BROKEN_CONFIGURATION.keys()
)
def test_a_broken_configured_file_is_one_line_naming_its_first_problem(
    environment: Path, monkeypatch: pytest.MonkeyPatch, setting: str, args: list[str], what: str
) -> None:
    # two problems in one file: the first is named, the check command lists them all
    broken = environment / "broken"
    (broken / "sv").mkdir(parents=True)
    text = "routines:\n  - id: a\n    due_days: x\n  - id: a\n" if "routine" in what else (
        "clients:\n  - id: Acme\n  - id: Acme\n"
    )  # fmt: skip
    (broken / "sv" / "a.md").write_text("---\nid: a\n---\n", encoding="utf-8")
    (broken / "f.yaml").write_text(text, encoding="utf-8")
    target = broken if setting == "GDPRBOT_KNOWLEDGE_DIR" else broken / "f.yaml"
    monkeypatch.setenv(setting, str(target))
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")
    monkeypatch.setenv("GDPRBOT_LEDGER_KEY", "k" * 32)  # no "no ledger key" warning line
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")

    result = gdpr_bot(*args)

    assert_one_line(result, f"error: the {what} is broken")
    assert f"{broken}" in result.output and "more: gdpr-bot " in result.output


OUT_OF_RANGE_SETTINGS = {
    "GDPRBOT_PORT": ["70000", "-1"],
    "GDPRBOT_TICK_SECONDS": ["0", "-5"],
    "GDPRBOT_CLAIM_LEASE_SECONDS": ["0"],
    "GDPRBOT_DB_POOL_SIZE": ["0"],
    "GDPRBOT_DB_STATEMENT_TIMEOUT_MS": ["-1"],
    "GDPRBOT_EMBEDDINGS_TIMEOUT": ["0", "-1"],
    "GDPRBOT_EMBEDDINGS_THREADS": ["0"],
    "GDPRBOT_QUESTION_LOG_DAYS": ["0", "-1"],  # would purge every question at once
    "GDPRBOT_EVIDENCE_YEARS": ["0"],  # would pseudonymise every identity behind evidence
}


@pytest.mark.parametrize(
    "name,value",
    [(name, value) for name, values in OUT_OF_RANGE_SETTINGS.items() for value in values],
)
def test_a_setting_out_of_range_is_one_line_naming_it(
    environment: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    assert_one_line(gdpr_bot("routines", "list"), f"setting {name}: Input should be")


TYPOS = {
    "GDPRBOT_DATABASE_UR": "did you mean GDPRBOT_DATABASE_URL?",
    "GDPRBOT_ROUTINE_FILE": "did you mean GDPRBOT_ROUTINES_FILE?",
    "GDPRBOT_NOTHING_LIKE_IT": "see README, Settings",
}


@pytest.mark.parametrize("name,hint", TYPOS.items())
@pytest.mark.parametrize("where", ["environment", ".env"])
def test_a_gdprbot_variable_that_is_no_setting_is_a_warning_naming_the_likely_one(
    environment: Path, monkeypatch: pytest.MonkeyPatch, name: str, hint: str, where: str
) -> None:
    # pydantic-settings ignores it without a word: the database, say, stays the default
    if where == ".env":
        (environment / ".env").write_text(f"{name}=x\n", encoding="utf-8")
    else:
        monkeypatch.setenv(name, "x")

    result = gdpr_bot("routines", "list")

    assert result.exit_code == 0
    assert result.stderr == f"warning: {name} is not a setting ({hint}); it is ignored\n"


def test_doctor_warns_of_a_gdprbot_variable_that_is_no_setting(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GDPRBOT_TIMEZON", "UTC")
    monkeypatch.setenv("GDPRBOT_TEST_PATIENCE", "8")  # the test suite's own, not a typo

    lines = gdpr_bot("doctor").stdout.splitlines()

    assert [line for line in lines if "is not a setting" in line] == [
        "warn  settings: GDPRBOT_TIMEZON is not a setting (did you mean GDPRBOT_TIMEZONE?); "
        "it is ignored"
    ]


def test_kb_calibrate_into_a_folder_that_does_not_exist_stops_before_the_fit(
    environment: Path,
) -> None:
    # the fit takes minutes; the missing folder was found only when writing the result
    labels = environment / "labels.jsonl"
    labels.write_text('{"id": "a", "lang": "sv", "q": "hej", "articles": ["x"]}\n', "utf-8")

    result = gdpr_bot("kb", "calibrate", str(labels), "--output", "/no/such/dir/c.json")

    assert_one_line(result, "--output: no folder /no/such/dir")


def test_kb_eval_on_a_broken_knowledge_base_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (environment / "kb" / "sv").mkdir(parents=True)
    (environment / "kb" / "sv" / "a.md").write_text("---\nid: a\n---\n", encoding="utf-8")
    monkeypatch.setenv("GDPRBOT_KNOWLEDGE_DIR", str(environment / "kb"))
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")
    questions = environment / "q.jsonl"
    questions.write_text(
        '{"id": "a", "lang": "sv", "q": "hej", "expect_fallback": true}\n', "utf-8"
    )

    assert_one_line(gdpr_bot("kb", "eval", str(questions)), "the knowledge base is broken: ")


@pytest.mark.parametrize(
    "args", [["routines", "check"], ["kb", "eval"]], ids=["routines check", "kb eval"]
)
def test_a_folder_given_as_the_file_says_so(environment: Path, args: list[str]) -> None:
    # it said "no such file" of a folder that is there
    assert_one_line(gdpr_bot(*args, str(environment)), f"{environment}: a folder")


@pytest.mark.parametrize("taken", ["port in use", "host that does not resolve"])
def test_run_that_cannot_listen_is_one_line_naming_the_settings(
    environment: Path, monkeypatch: pytest.MonkeyPatch, taken: str
) -> None:
    # "Name or service not known" alone named neither the host nor the setting
    import socket

    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")
    monkeypatch.setenv("GDPRBOT_LEDGER_KEY", "k" * 32)  # no "no ledger key" warning line
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        if taken == "port in use":
            monkeypatch.setenv("GDPRBOT_PORT", str(busy.getsockname()[1]))
        else:
            monkeypatch.setenv("GDPRBOT_HOST", "no-such-host.invalid")

        assert_one_line(gdpr_bot("run"), "; check GDPRBOT_HOST and GDPRBOT_PORT")


@pytest.mark.parametrize(
    "args,expected",
    [(["insights", "--since", "soon"], "error: --since must be an ISO date"),
     (["audit", "verify", "--head", "abc"], "error: --head must be a 64-character")],
    ids=["insights --since", "audit verify --head"],
)  # fmt: skip
def test_a_bad_option_value_is_an_error_line_like_the_others(
    environment: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: str
) -> None:
    monkeypatch.setenv("GDPRBOT_DATABASE_URL", f"sqlite:///{environment / 'bot.db'}")
    assert gdpr_bot("db", "upgrade").exit_code == 0

    result = gdpr_bot(*args)

    assert_one_line(result, expected)
    assert result.output.startswith(expected)


def test_kb_eval_of_a_question_naming_an_article_that_does_not_exist_is_one_line(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a typo in the expected id counted as a wrong answer of the bot
    monkeypatch.setenv("GDPRBOT_EMBEDDINGS", "off")
    questions = environment / "q.jsonl"
    questions.write_text(
        '{"id": "a", "lang": "sv", "q": "hej", "expect_fallback": true}\n'
        '{"id": "b", "lang": "sv", "q": "spela in samtal", "articles": ["call-recordin"]}\n',
        encoding="utf-8",
    )

    result = gdpr_bot("kb", "eval", str(questions))

    assert_one_line(result, f"{questions}:2: articles: unknown article 'call-recordin'")
