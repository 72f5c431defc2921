"""Time to ready and idle memory of `gdpr-bot run` (console off, SQLite, no platform).

Starts the real console script once on a new SQLite file and an empty cache directory
(the first start: migrations run, the lexical index is built and stored), then `--runs`
times again on the same file and cache (a restart: the schema is at head, the index is
loaded). Each start measures the wall time from exec to the first `/readyz` 200 and the
CPU time the process had used by then
(utime + stime from /proc/<pid>/stat: on a shared, loaded machine the wall time mostly
measures waiting for a core, the CPU time what start-up costs), then the resident set
size (VmRSS) once the process has been idle for `--idle` seconds (the start-up jobs done),
and stops it with SIGTERM. Prints one line per start and the restarts' medians, with the
load average.

    python bench/startup.py [--runs 5] [--idle 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from testing.scale.cluster import free_port, gdpr_bot_command  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; comm may hold spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def one_run(workdir: Path, idle: float) -> tuple[float, float, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDPRBOT_", "SLACK_"))}
    env.update(
        GDPRBOT_DATABASE_URL=f"sqlite:///{workdir / 'bot.db'}",
        GDPRBOT_VECTOR_CACHE=str(workdir / "cache"),
        GDPRBOT_PORT=str(port),
        GDPRBOT_CONSOLE="off",
        GDPRBOT_TEAMS="false",
        GDPRBOT_LOG_LEVEL="WARNING",
    )
    started = time.monotonic()
    process = subprocess.Popen([*gdpr_bot_command(), "run"], env=env, cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while not ready(port):
            if process.poll() is not None:
                raise SystemExit(f"gdpr-bot run exited with {process.returncode}")
            time.sleep(0.02)
        to_ready = time.monotonic() - started
        cpu_to_ready = cpu_seconds(process.pid)
        time.sleep(idle)
        return to_ready, cpu_to_ready, rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0)
    args = parser.parse_args()
    readies, cpus, sizes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):
            load = os.getloadavg()[0]
            to_ready, cpu, rss = one_run(Path(tmp), args.idle)
            what = "first start (new database, index built)" if run == 0 else f"restart {run}"
            print(f"{what}: ready after {to_ready:.2f} s ({cpu:.2f} s CPU), idle RSS "
                  f"{rss:.0f} MB (load average {load:.1f})")  # fmt: skip
            if run:
                readies.append(to_ready)
                cpus.append(cpu)
                sizes.append(rss)
    print(f"restarts' median: ready {statistics.median(readies):.2f} s, CPU to ready "
          f"{statistics.median(cpus):.2f} s, idle RSS {statistics.median(sizes):.0f} MB "
          f"(targets: ≤ 2 s, ≤ 150 MB)")  # fmt: skip


if __name__ == "__main__":
    main()
