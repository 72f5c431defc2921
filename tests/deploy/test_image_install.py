"""deploy/Dockerfile, replayed without Docker: the build stage's COPY and `uv sync` lines in a
temporary folder, then the image's command and health check on what they installed.

This machine has a Docker client but no engine, so `docker build` cannot run here. What
can go wrong in the recipe short of the base image does show here: a package or data
file not copied, an install that is not the lock, an entry point that does not start, a
health check that never turns healthy.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.deploy.recipes import DEPLOY, Instruction, Stage, copy_sources, parse_dockerfile

# Serialised with the replica tests (tests/scale): both start servers and wait for readiness.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("scale")]

IMAGE_ENV = "/opt/gdpr-bot"  # UV_PROJECT_ENVIRONMENT of the build stage
BOOTSTRAPPED_UV = "/opt/uv/bin/uv"
START_DEADLINE_SECONDS = 240.0  # generous: a shared 2-core machine; success ends it early


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def replay_build_stage(build: Stage, src: Path, image_env: Path) -> None:
    """COPY into `src`, then every `uv sync` RUN with this venv's uv instead of the bootstrap."""
    uv = Path(sys.executable).parent / "uv"
    env = {**os.environ, **build.env(), "UV_PROJECT_ENVIRONMENT": str(image_env)}
    # Faster here, same packages: no bytecode compilation, links from the cache.
    env.update(UV_COMPILE_BYTECODE="0", UV_LINK_MODE="hardlink")
    env.pop("VIRTUAL_ENV", None)
    for instruction in build.instructions:
        if instruction.keyword == "COPY":
            target = instruction.args.split()[-1]
            for source in copy_sources(instruction):
                origin, dest = REPO / source, src / target / Path(source).name
                if target != "./" and len(copy_sources(instruction)) == 1:
                    dest = src / target
                if origin.is_dir():
                    shutil.copytree(
                        origin, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                    )
                else:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(origin, dest)
        elif instruction.keyword == "RUN" and "uv sync" in instruction.args:
            command = instruction.args.replace(BOOTSTRAPPED_UV, str(uv))
            done = subprocess.run(
                ["sh", "-c", command], cwd=src, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, f"RUN {instruction.args}\n{done.stderr[-3000:]}"


def image_environment(final: Stage, image_env: Path, data: Path, port: int) -> dict[str, str]:
    """The image's ENV on top of a clean environment, moved to this test's folders."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GDPRBOT_", "SLACK_", "Microsoft", "VIRTUAL_ENV"))
    }
    for key, value in final.env().items():
        env[key] = value.replace("$PATH", os.environ.get("PATH", "")).replace(
            IMAGE_ENV, str(image_env)
        )
    env["GDPRBOT_HOST"] = "127.0.0.1"  # the image says 0.0.0.0; a test stays on loopback
    env["GDPRBOT_PORT"] = str(port)
    env["GDPRBOT_DATABASE_URL"] = f"sqlite:///{data}/gdpr-bot.db"
    return env


def test_the_image_recipe_installs_the_lock_and_its_command_turns_healthy(tmp_path: Path) -> None:
    stages = parse_dockerfile(DEPLOY / "Dockerfile")
    build, final = stages[0], stages[-1]
    src, image_env, data = tmp_path / "src", tmp_path / "image-env", tmp_path / "data"
    src.mkdir()
    data.mkdir()

    replay_build_stage(build, src, image_env)

    assert (image_env / "bin" / "gdpr-bot").is_file()
    assert not (image_env / "bin" / "pytest").exists(), "dev tools ended up in the image"
    env = image_environment(final, image_env, data, free_port())
    where = subprocess.run(
        ["python", "-c", "import bot, knowledge; print(bot.__file__, knowledge.__file__)"],
        cwd=data,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(REPO) not in where and str(src) not in where  # installed, not the sources

    entrypoint, cmd = final.last("ENTRYPOINT"), final.last("CMD")
    assert entrypoint is not None and cmd is not None
    argv = (entrypoint.exec_form() or []) + (cmd.exec_form() or [])
    check = final.last("HEALTHCHECK")
    assert check is not None
    health_argv = Instruction("CMD", check.args.split("CMD", 1)[1], check.line).exec_form()
    assert health_argv is not None

    log = (tmp_path / "bot.log").open("w")
    bot = subprocess.Popen(argv, cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        healthy = False
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline and bot.poll() is None:
            probe = subprocess.run(health_argv, cwd=data, env=env, capture_output=True)
            if probe.returncode == 0:
                healthy = True
                break
            time.sleep(0.5)
        output = (tmp_path / "bot.log").read_text(errors="replace")[-3000:]
        assert bot.poll() is None, f"`{' '.join(argv)}` exited:\n{output}"
        assert healthy, f"the health check never passed:\n{output}"
        bot.send_signal(signal.SIGTERM)  # what `docker stop` sends
        assert bot.wait(timeout=60) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
        log.close()
