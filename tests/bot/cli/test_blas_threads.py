"""Every `gdpr-bot` command runs numpy's BLAS on one thread (bot/cli/blas.py): the bot's
products are small, and idle OpenBLAS workers spin on the cores the bot shares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.blas import BLAS_THREADS, BLAS_VARIABLE, limit_blas_threads

# Runs `bot.cli.main` (what the `gdpr-bot` script calls) in a fresh interpreter and writes,
# as it exits, the BLAS pools numpy loaded and their thread counts (threadpoolctl reads
# them from the libraries themselves).
PROBE = """
import atexit, json, sys
from threadpoolctl import threadpool_info

def report(path=sys.argv[1]):
    pools = [[p["internal_api"], p["num_threads"]] for p in threadpool_info()
             if p["user_api"] == "blas"]
    with open(path, "w", encoding="utf-8") as out:
        json.dump(pools, out)

atexit.register(report)
sys.argv = ["gdpr-bot", *sys.argv[2:]]
from bot.cli import main
main()
"""


# OpenBLAS also takes its thread count from these when OPENBLAS_NUM_THREADS is unset
OTHER_VARIABLES = ("GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def blas_pools_of(command: list[str], workdir: Path) -> list[list[object]]:
    unset = (BLAS_VARIABLE, *OTHER_VARIABLES)
    env = {name: value for name, value in os.environ.items() if name not in unset}
    env |= {
        "GDPRBOT_EMBEDDINGS": "off",
        "GDPRBOT_VECTOR_CACHE": "off",
        "GDPRBOT_DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
    }
    report = workdir / "pools.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *command],
        env=env, cwd=workdir, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pools: list[list[object]] = json.loads(report.read_text(encoding="utf-8"))
    return pools


def test_a_started_ask_command_runs_numpy_blas_on_one_thread(tmp_path: Path) -> None:
    pools = blas_pools_of(["ask", "kunden vill bli raderad", "--json"], tmp_path)

    assert pools, "the answer path loaded numpy's BLAS"
    assert all(threads == BLAS_THREADS for _, threads in pools), pools


def test_the_limit_is_set_when_the_operator_set_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLAS_VARIABLE, raising=False)

    limit_blas_threads()

    assert os.environ[BLAS_VARIABLE] == str(BLAS_THREADS)


def test_an_operators_own_thread_count_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BLAS_VARIABLE, "4")

    limit_blas_threads()

    assert os.environ[BLAS_VARIABLE] == "4"
