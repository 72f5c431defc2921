"""deploy/Dockerfile: a multi-stage image that installs from the lock and runs `gdpr-bot run`.

No container engine runs here, so `docker build` is not tried; these checks read the
recipe and hold what it names against the project. tests/deploy/test_image_install.py
replays its build stage without Docker.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
import tomllib
from importlib.metadata import entry_points

import pytest

from tests.code_scan import http_routes, serves
from tests.conftest import REPO
from tests.deploy.recipes import (
    DEPLOY,
    RUNTIME_VARIABLES,
    Stage,
    copy_sources,
    default_port,
    documented_settings,
    parse_dockerfile,
    project_packages,
    project_scripts,
)

DOCKERFILE = DEPLOY / "Dockerfile"


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO / "uv.lock").read_text("utf-8"))
    (version,) = (p["version"] for p in lock["package"] if p["name"] == package)
    return str(version)


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE)


@pytest.fixture(scope="module")
def build(stages: list[Stage]) -> Stage:
    return stages[0]


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_is_multi_stage_and_the_image_takes_only_the_built_environment(
    stages: list[Stage], final: Stage
) -> None:
    assert len(stages) >= 2
    names = {stage.name for stage in stages[:-1]}
    copied_from = [i for i in final.all("COPY") if "--from=" in i.args]
    assert copied_from, "the final stage copies nothing from the build stage"
    for instruction in copied_from:
        origin = re.search(r"--from=(\S+)", instruction.args)
        assert origin and origin.group(1) in names, instruction.args


def test_build_stage_installs_exactly_what_uv_lock_pins(build: Stage) -> None:
    copied = {source for i in build.all("COPY") for source in copy_sources(i)}
    assert {"pyproject.toml", "uv.lock"} <= copied
    runs = [i.args for i in build.all("RUN")]
    syncs = [run for run in runs if "uv sync" in run]
    assert syncs, "no `uv sync` in the build stage"
    assert all("--locked" in run or "--frozen" in run for run in syncs)
    assert not any("--extra dev" in run or "--all-extras" in run for run in syncs)
    # pip only bootstraps uv, at the version the lock pins (read from uv.lock by sed).
    for run in runs:
        if "pip install" not in run:
            continue
        found = re.search(r'pip install [^"]*"uv==\$\((sed .* uv\.lock)\)"', run)
        assert found, f"pip installs something other than the locked uv: {run}"
        version = subprocess.run(
            ["sh", "-c", found.group(1)], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        assert version == locked_version("uv")


def test_every_package_the_project_ships_is_copied_in(build: Stage) -> None:
    copied = {source.rstrip("/") for i in build.all("COPY") for source in copy_sources(i)}
    missing = sorted(set(project_packages()) - copied)
    assert not missing, f"deploy/Dockerfile does not COPY {missing} (pyproject ships them)"
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: no such file in the repository"


def test_never_copies_the_whole_working_tree(stages: list[Stage]) -> None:
    # A wholesale COPY would put a developer's .env (tokens) or database into the image.
    for stage in stages:
        for instruction in stage.all("COPY") + stage.all("ADD"):
            if "--from=" in instruction.args:
                continue
            assert not {".", "./", "*"} & set(copy_sources(instruction)), instruction.args


def test_dockerignore_lets_every_copied_path_through(build: Stage) -> None:
    patterns = [
        line.strip()
        for line in (DEPLOY / "Dockerfile.dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            body = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, body) or body == "**":
                verdict = not negate
        return verdict

    for instruction in build.all("COPY"):
        for source in copy_sources(instruction):
            assert not ignored(source.rstrip("/")), f"{source} is excluded from the context"
    assert ignored(".env") and ignored("gdpr-bot.db") and ignored(".venv")


def test_runs_as_a_user_it_creates_never_root(final: Stage) -> None:
    user = final.last("USER")
    assert user is not None, "no USER: the image would run as root"
    name = user.args.split(":")[0]
    assert name not in {"root", "0"}
    assert any("useradd" in run.args and name in run.args.split() for run in final.all("RUN"))


def test_entry_point_runs_gdpr_bot_run(final: Stage) -> None:
    entrypoint, cmd = final.last("ENTRYPOINT"), final.last("CMD")
    assert entrypoint is not None
    argv = (entrypoint.exec_form() or []) + ((cmd.exec_form() or []) if cmd else [])
    assert argv == ["gdpr-bot", "run"]
    assert "gdpr-bot" in project_scripts()
    (script,) = entry_points(group="console_scripts", name="gdpr-bot")
    assert callable(script.load())


def test_listens_on_all_interfaces_on_the_exposed_port(final: Stage) -> None:
    env = final.env()
    assert env["GDPRBOT_HOST"] == "0.0.0.0"
    exposed = final.last("EXPOSE")
    assert exposed is not None
    assert int(exposed.args.split("/")[0]) == int(env["GDPRBOT_PORT"]) == default_port()


def test_health_check_asks_readiness_on_a_route_the_bot_serves(final: Stage) -> None:
    check = final.last("HEALTHCHECK")
    assert check is not None
    command = check.args.split("CMD", 1)[1]
    paths = re.findall(r"https?://[^/'\"]+(/[\w/]*)", command)
    assert paths == ["/readyz"]
    assert serves("/readyz", http_routes())
    port = re.search(r"get\('GDPRBOT_PORT', '(\d+)'\)", command)
    assert port and int(port.group(1)) == default_port()


def test_every_variable_set_in_the_image_is_a_documented_setting(final: Stage) -> None:
    settings = documented_settings()
    unknown = sorted(set(final.env()) - set(settings) - RUNTIME_VARIABLES)
    assert not unknown, f"deploy/Dockerfile sets {unknown}, which README's Settings lacks"


def test_data_lives_in_the_volume_the_user_owns(final: Stage) -> None:
    env = final.env()
    volume = final.last("VOLUME")
    workdir = final.last("WORKDIR")
    assert volume is not None and workdir is not None
    (data_dir,) = (v for v in shlex.split(volume.args.strip("[]").replace(",", " ")))
    assert env["GDPRBOT_DATABASE_URL"] == f"sqlite:///{data_dir}/gdpr-bot.db"
    assert workdir.args == data_dir
    assert any(f"--home-dir {data_dir}" in run.args for run in final.all("RUN"))
