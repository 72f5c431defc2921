"""deploy/compose.yaml: PostgreSQL and two replicas of the image behind nginx.

Read as YAML and held against the Dockerfile, the nginx files, README's settings and the
routes the bot serves. Nothing is started: this machine has a Docker client without an
engine or the compose plugin (`docker compose config` is not available either).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.deploy.recipes import (
    DEPLOY,
    RUNTIME_VARIABLES,
    compose,
    default_port,
    documented_settings,
    env_file,
    nginx_servers,
)

SECRET_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    loaded: dict[str, Any] = compose()["services"]
    return loaded


@pytest.fixture(scope="module")
def bots(services: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services.items() if "build" in s}


def test_postgres_two_replicas_and_a_proxy(
    services: dict[str, Any], bots: dict[str, dict[str, Any]]
) -> None:
    assert services["db"]["image"].startswith("postgres:")
    assert len(bots) == 2
    assert services["proxy"]["image"].startswith("nginx:")
    first, second = bots.values()
    assert first == second, "the replicas must be configured identically"


def test_replicas_build_the_repositorys_dockerfile(bots: dict[str, dict[str, Any]]) -> None:
    for bot in bots.values():
        context = (DEPLOY / bot["build"]["context"]).resolve()
        assert (context / bot["build"]["dockerfile"]).resolve() == (DEPLOY / "Dockerfile")


def test_replicas_share_the_postgresql_database_once_it_is_healthy(
    services: dict[str, Any], bots: dict[str, dict[str, Any]]
) -> None:
    db_env = services["db"]["environment"]
    for bot in bots.values():
        url = bot["environment"]["GDPRBOT_DATABASE_URL"]
        user = db_env["POSTGRES_USER"]
        assert url.startswith(f"postgresql+psycopg://{user}:")
        assert url.endswith(f"@db:5432/{db_env['POSTGRES_DB']}")
        assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])


def test_no_secret_is_written_into_the_file(
    services: dict[str, Any], bots: dict[str, dict[str, Any]]
) -> None:
    # Passwords come from deploy/.env (interpolated), tokens from the env file.
    password = services["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?")
    for bot in bots.values():
        assert "${POSTGRES_PASSWORD:?" in bot["environment"]["GDPRBOT_DATABASE_URL"]
        assert not set(SECRET_SETTINGS) & set(bot["environment"])
        assert bot["env_file"] == "gdpr-bot.env"
    example = env_file(DEPLOY / "gdpr-bot.env.example")
    assert all(example[name] == "" for name in SECRET_SETTINGS if name in example)
    assert example["MicrosoftAppPassword"] == ""


def test_the_env_files_are_kept_out_of_git() -> None:
    ignored = (DEPLOY.parent / ".gitignore").read_text("utf-8").splitlines()
    assert {"deploy/gdpr-bot.env", "deploy/.env", "deploy/certs/"} <= set(ignored)


def test_every_variable_set_for_the_bot_is_a_documented_setting(
    bots: dict[str, dict[str, Any]],
) -> None:
    settings = documented_settings()
    example = env_file(DEPLOY / "gdpr-bot.env.example")
    for bot in bots.values():
        unknown = sorted((set(bot["environment"]) | set(example)) - set(settings))
        assert not set(unknown) - RUNTIME_VARIABLES, f"not in README's Settings: {unknown}"


def test_ports_agree_between_replicas_and_proxy(
    services: dict[str, Any], bots: dict[str, dict[str, Any]]
) -> None:
    upstream = (DEPLOY / "nginx" / "upstream-compose.conf").read_text("utf-8")
    servers = set(nginx_servers(upstream))
    port = default_port()
    for name, bot in bots.items():
        assert bot["environment"]["GDPRBOT_HOST"] == "0.0.0.0"
        assert int(bot["environment"]["GDPRBOT_PORT"]) == port
        assert [int(p) for p in bot["expose"]] == [port]
        assert f"{name}:{port}" in servers
    assert servers == {f"{name}:{port}" for name in bots}
    assert "443:443" in services["proxy"]["ports"]


def test_the_proxy_mounts_the_repositorys_nginx_files(services: dict[str, Any]) -> None:
    mounts = dict(volume.split(":")[:2] for volume in services["proxy"]["volumes"])
    for source in mounts:
        if source.startswith("./nginx/"):
            assert (DEPLOY / source).is_file(), source
    targets = {target: source for source, target in mounts.items()}
    assert targets["/etc/nginx/gdpr-bot/upstream.conf"] == "./nginx/upstream-compose.conf"
    conf = (DEPLOY / targets["/etc/nginx/conf.d/default.conf"]).read_text("utf-8")
    assert "include /etc/nginx/gdpr-bot/upstream.conf;" in conf
    assert "/etc/nginx/certs" in targets


def test_the_proxy_waits_for_healthy_replicas(
    services: dict[str, Any], bots: dict[str, dict[str, Any]]
) -> None:
    depends = services["proxy"]["depends_on"]
    assert {name: d["condition"] for name, d in depends.items()} == {
        name: "service_healthy" for name in bots
    }


def test_config_mount_is_read_only(bots: dict[str, dict[str, Any]]) -> None:
    for bot in bots.values():
        for volume in bot.get("volumes", []):
            assert Path(volume.split(":")[1]).is_absolute() and volume.endswith(":ro")
