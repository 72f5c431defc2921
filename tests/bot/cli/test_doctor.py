"""`gdpr-bot doctor` finds each broken set-up and passes on a good one.

Slack checks run against the fake Slack Web API over loopback; databases are real SQLite
files and the test PostgreSQL.
"""

from __future__ import annotations

import textwrap
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import make_url, text
from typer.testing import CliRunner

from bot.cli import app
from bot.cli.doctor import Check, diagnose
from bot.config import Settings
from bot.platforms.slack.checks import SCOPES
from routines.engine.models import FAILED, Notification, Occurrence
from storage.migrate import create_schema, engine_from_url
from storage.sessions import session_factory, transaction
from testing.slack_api import FakeSlackApi

REPO = Path(__file__).resolve().parents[3]
KEY_A, KEY_B = "a" * 64, "b" * 64
CHANNEL = "C0GDPR"
CATALOGUE = f"""\
routines:
  - id: retention
    title: {{sv: Gallring, en: Retention}}
    schedule: {{every: quarter, anchor: 2026-10-01}}
    due_days: 14
    post_to: [{{platform: slack, channel: {CHANNEL}}}]
    assignees: channel
"""


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "routines.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    return path


@pytest.fixture
def good(tmp_path: Path, fake_slack: FakeSlackApi, catalogue: Path) -> Settings:
    """README's example: SQLite, Slack over HTTP behind an https public URL, one routine."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_app_token="",
        slack_api_url=fake_slack.api_url,
        public_url="https://bot.example.com",
        web_secret="w" * 40,
        ledger_key=KEY_A,
        routines_files=[str(catalogue)],
        microsoft_app_id="",
        microsoft_app_password="",
        embeddings="off",
    )


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def failed(checks: list[Check]) -> list[str]:
    return [check.line() for check in checks if check.level == "fail"]


async def test_a_good_set_up_has_no_failure(good: Settings) -> None:
    checks = await diagnose(good)

    assert failed(checks) == []
    found = by_name(checks)
    names = ["settings", "database", "routines", "clients", "knowledge base", "quiz bank",
             "slack token",
             "slack scopes", f"slack channel {CHANNEL}", "public url"]  # fmt: skip
    for name in names:
        assert found[name].level == "ok", found[name].line()


async def test_a_refused_token_fails(good: Settings, fake_slack: FakeSlackApi) -> None:
    fake_slack.token_ok = False

    found = by_name(await diagnose(good))

    assert found["slack token"].level == "fail"
    assert "SLACK_BOT_TOKEN" in found["slack token"].detail


async def test_a_token_without_a_scope_fails_naming_it(
    good: Settings, fake_slack: FakeSlackApi
) -> None:
    fake_slack.scopes -= {"channels:read"}

    found = by_name(await diagnose(good))

    assert found["slack scopes"].level == "fail"
    assert "channels:read" in found["slack scopes"].detail


@pytest.mark.parametrize(
    ("error", "advice"),
    [("not_in_channel", "/invite @gdpr-bot"), ("channel_not_found", "post_to"),
     ("is_archived", "archived")],
)  # fmt: skip
async def test_a_routine_channel_the_bot_cannot_post_in_fails(
    good: Settings, fake_slack: FakeSlackApi, error: str, advice: str
) -> None:
    fake_slack.channel_problem(CHANNEL, error)

    check = by_name(await diagnose(good))[f"slack channel {CHANNEL}"]

    assert check.level == "fail"
    assert advice in check.detail


async def test_a_socket_mode_token_that_cannot_connect_fails(
    good: Settings, fake_slack: FakeSlackApi
) -> None:
    settings = good.model_copy(update={"slack_app_token": "xapp-1-test"})
    assert by_name(await diagnose(settings))["slack socket mode"].level == "fail"

    fake_slack.socket_url = "ws://127.0.0.1:1/socket"  # the fake now hands out a URL
    assert by_name(await diagnose(settings))["slack socket mode"].level == "ok"


async def test_a_teams_app_id_without_a_password_fails(good: Settings) -> None:
    settings = good.model_copy(update={"microsoft_app_id": "app-id"})

    check = by_name(await diagnose(settings))["teams"]

    assert check.level == "fail" and "MicrosoftAppPassword" in check.detail


@pytest.mark.parametrize("url", ["", "http://bot.example.com", "bot.example.com"])
async def test_slack_over_http_needs_an_https_public_url(good: Settings, url: str) -> None:
    check = by_name(await diagnose(good.model_copy(update={"public_url": url})))["public url"]

    assert check.level == "fail"


async def test_a_broken_routine_file_fails_naming_file_and_line(
    good: Settings, catalogue: Path
) -> None:
    catalogue.write_text(CATALOGUE.replace("due_days: 14", "due_days: soon"), encoding="utf-8")

    check = by_name(await diagnose(good))["routines"]

    assert check.level == "fail"
    assert f"{catalogue}:" in check.detail and "due_days" in check.detail


async def test_an_unreachable_database_fails(good: Settings) -> None:
    settings = good.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/x"})

    check = by_name(await diagnose(settings))["database"]

    assert check.level == "fail" and "cannot connect" in check.detail


async def test_a_sqlite_file_that_cannot_be_created_fails_and_nothing_is_created(
    good: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder" / "bot.db"
    settings = good.model_copy(update={"database_url": f"sqlite:///{missing}"})

    check = by_name(await diagnose(settings))["database"]

    assert check.level == "fail" and "not a writable folder" in check.detail
    assert not missing.parent.exists()


async def test_a_sqlite_file_not_yet_there_is_not_created_by_the_doctor(good: Settings) -> None:
    path = Path(make_url(good.database_url).database or "")

    check = by_name(await diagnose(good))["database"]

    assert check.level == "ok" and not path.exists()


@pytest.mark.postgres
async def test_migrations_are_reported_behind_until_upgraded(
    good: Settings, postgres_url: str
) -> None:
    settings = good.model_copy(update={"database_url": postgres_url})
    assert by_name(await diagnose(settings))["migrations"].level == "warn"

    engine = engine_from_url(postgres_url)
    create_schema(engine)
    engine.dispose()

    found = by_name(await diagnose(settings))
    assert found["database"].level == "ok"
    assert found["migrations"].level == "ok"


@pytest.mark.postgres
async def test_a_superuser_connection_is_a_warning(good: Settings, postgres_url: str) -> None:
    settings = good.model_copy(update={"database_url": postgres_url})  # the test's `postgres`

    check = by_name(await diagnose(settings))["database role"]

    assert check.level == "warn" and "superuser" in check.detail


@pytest.mark.postgres
async def test_a_role_owning_its_schema_and_nothing_more_is_fine(
    good: Settings, postgres_url: str
) -> None:
    role = f"operators_doctor_{uuid.uuid4().hex[:8]}"
    schema = postgres_url.rsplit("%3D", 1)[1]  # the fixture's own schema
    engine = engine_from_url(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f'ALTER SCHEMA "{schema}" OWNER TO {role}'))
    url = make_url(postgres_url).set(username=role)
    settings = good.model_copy(update={"database_url": url.render_as_string(False)})
    try:
        found = by_name(await diagnose(settings))
        assert found["database"].level == "ok", found["database"].line()
        assert found["database role"].level == "ok"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'ALTER SCHEMA "{schema}" OWNER TO CURRENT_USER'))
            connection.execute(text(f"DROP ROLE {role}"))
        engine.dispose()


async def test_a_routine_post_that_could_not_be_delivered_fails(good: Settings) -> None:
    engine = engine_from_url(good.database_url)
    create_schema(engine)
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with transaction(session_factory(engine)) as session:
        occurrence = Occurrence(routine_id="retention", scheduled_date=date(2027, 1, 1),
                                post_date=date(2027, 1, 4), due_date=date(2027, 1, 18),
                                created_at=now)  # fmt: skip
        session.add(occurrence)
        session.flush()
        session.add(Notification(occurrence_id=occurrence.id, kind="post",
                                 recipient_platform="slack", recipient_kind="channel",
                                 recipient_address=CHANNEL, status=FAILED, not_before=now,
                                 created_at=now,
                                 last_error="not_in_channel: slack error"))  # fmt: skip
    engine.dispose()

    check = by_name(await diagnose(good))["routine retention"]

    assert check.level == "fail"
    assert CHANNEL in check.detail and "not_in_channel" in check.detail


async def test_no_ledger_key_fails_in_production_and_warns_locally(good: Settings) -> None:
    production = good.model_copy(update={"ledger_key": ""})  # an https public URL
    local = production.model_copy(update={"public_url": "", "slack_app_token": "xapp-1"})

    assert by_name(await diagnose(production))["ledger key"].level == "fail"
    assert by_name(await diagnose(local))["ledger key"].level == "warn"


async def test_an_embeddings_endpoint_that_cannot_embed_fails(good: Settings) -> None:
    settings = good.model_copy(update={"embeddings": "http://127.0.0.1:1/v1"})

    check = by_name(await diagnose(settings))["embeddings"]

    assert check.level == "fail" and "cannot embed" in check.detail


async def test_a_ledger_key_too_short_fails(good: Settings) -> None:
    check = by_name(await diagnose(good.model_copy(update={"ledger_key": "short"})))["ledger key"]

    assert check.level == "fail" and "at least 32 characters" in check.detail


async def test_entries_signed_with_a_key_no_longer_configured_fail(good: Settings) -> None:
    from routines import ledger
    from routines.ledger.keys import LedgerKeys, configure_keys, use_keys

    engine = engine_from_url(good.database_url)
    create_schema(engine)
    configure_keys(KEY_A)
    try:
        with transaction(session_factory(engine)) as session:
            ledger.append_event(session, "report.exported", {"n": 1}, datetime.now(UTC))
    finally:
        use_keys(LedgerKeys())
        engine.dispose()
    assert "ledger keys" not in by_name(await diagnose(good))  # signed with the key set

    rotated = by_name(await diagnose(good.model_copy(update={"ledger_key": KEY_B})))

    assert rotated["ledger keys"].level == "fail"
    assert "GDPRBOT_LEDGER_KEY_FILE" in rotated["ledger keys"].detail


def test_the_scopes_checked_are_the_manifests() -> None:
    manifest: dict[str, Any] = yaml.safe_load(
        (REPO / "docs" / "slack-app-manifest.yaml").read_text(encoding="utf-8")
    )
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MicrosoftAppId",
                 "MICROSOFT_APP_ID", "GDPRBOT_PUBLIC_URL", "GDPRBOT_ROUTINES_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return {"GDPRBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "GDPRBOT_EMBEDDINGS": "off"}  # fmt: skip


def test_the_command_prints_one_line_per_check_and_exits_0_when_nothing_failed(
    env: dict[str, str],
) -> None:
    result = CliRunner().invoke(app, ["doctor"], env=env)

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert all(line.split()[0] in {"ok", "warn", "fail"} for line in lines[:-1])
    assert lines[-1].endswith("0 failed, 2 warnings")  # console only, no ledger key


def test_the_command_exits_1_when_a_check_failed(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "routines.yaml"
    broken.write_text(textwrap.dedent(CATALOGUE).replace("14", "soon"), encoding="utf-8")

    result = CliRunner().invoke(app, ["doctor"], env={**env, "GDPRBOT_ROUTINES_FILE": str(broken)})

    assert result.exit_code == 1
    assert any(line.startswith("fail  routines:") for line in result.output.splitlines())


def test_the_command_exits_2_when_the_settings_do_not_parse(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["doctor"], env={**env, "GDPRBOT_PORT": "lots"})

    assert result.exit_code == 2
    assert result.output.startswith("fail  settings:")
    assert "Traceback" not in result.output


TEAMS_CHANNEL = "19:abc@thread.tacv2"


@pytest.fixture
def teams(good: Settings, catalogue: Path) -> Settings:
    catalogue.write_text(
        CATALOGUE.replace(f"{{platform: slack, channel: {CHANNEL}}}",
                          f"{{platform: teams, channel: '{TEAMS_CHANNEL}'}}"),
        encoding="utf-8",
    )  # fmt: skip
    engine = engine_from_url(good.database_url)
    create_schema(engine)
    engine.dispose()
    return good.model_copy(update={"microsoft_app_id": "app", "microsoft_app_password": "pw"})


async def test_a_teams_routine_channel_without_the_app_fails(teams: Settings) -> None:
    check = by_name(await diagnose(teams))[f"teams channel {TEAMS_CHANNEL}"]

    assert check.level == "fail" and "add it to the team" in check.detail


async def test_a_teams_routine_channel_with_the_app_installed_is_ok(teams: Settings) -> None:
    from bot.chat.ports import Reference
    from bot.records.references import save_references

    engine = engine_from_url(teams.database_url)
    with transaction(session_factory(engine)) as session:
        save_references(
            session,
            [Reference("teams", "channel", TEAMS_CHANNEL, TEAMS_CHANNEL)],
            datetime(2027, 1, 4, tzinfo=UTC),
        )
    engine.dispose()

    check = by_name(await diagnose(teams))[f"teams channel {TEAMS_CHANNEL}"]

    assert check.level == "ok"


def test_a_training_campaign_whose_tags_no_question_carries_fails(
    env: dict[str, str], tmp_path: Path
) -> None:
    # routines check cannot see the bank, quiz check cannot see the campaigns: the quiz
    # answered "no questions" to everyone it was assigned to
    campaign = tmp_path / "training.yaml"
    campaign.write_text(
        "routines:\n  - id: onboarding-quiz\n    kind: training\n"
        "    title: {sv: Quiz, en: Quiz}\n    schedule: {every: quarter, anchor: 2027-01-01}\n"
        "    due_days: 14\n"
        "    training: {tags: [no-such-tag], questions: 5, pass_mark: 80, cooldown_hours: 24}\n"
        '    assignees: {people: ["console:anna"], confirm: all}\n',
        encoding="utf-8",
    )

    result = CliRunner().invoke(
        app, ["doctor"], env={**env, "GDPRBOT_ROUTINES_FILE": str(campaign)}
    )

    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if "training campaigns" in line] == [
        f"fail  training campaigns: onboarding-quiz: training.tags [no-such-tag] match 0 {lang} "
        "question(s) of the 5 a quiz draws (add questions with those tags, or fix the tags)"
        for lang in ("sv", "en")
    ]


@pytest.mark.parametrize(
    "setting,expected",
    [
        (("GDPRBOT_WEB_SECRET", "short"), "GDPRBOT_WEB_SECRET must be at least 32 characters"),
        (("GDPRBOT_WEB_SECRET_FILE", "/no/such/secret"), "cannot read /no/such/secret"),
    ],
    ids=["short", "unreadable file"],
)
def test_a_web_secret_run_would_refuse_fails(
    env: dict[str, str], setting: tuple[str, str], expected: str
) -> None:
    # run refused to start while doctor said every check passed
    name, value = setting

    result = CliRunner().invoke(app, ["doctor"], env={**env, name: value})

    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("fail")]
    assert line.startswith("fail  web secret: ") and expected in line
