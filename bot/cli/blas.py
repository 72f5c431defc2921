"""One BLAS thread for numpy in every `gdpr-bot` process.

numpy's wheels bring OpenBLAS (scipy-openblas, pthreads), which starts a worker thread per
core when numpy is imported; after each product the workers busy-wait for the next one.
The bot's BLAS products are small (an answer's domain and neighbour products, the
calibration's fits), so more threads buy nothing, while a
spinning worker doubled a hybrid answer's CPU time at the same wall time (`bench/search.py`:
CPU p50 76 ms, 38 ms with one thread; docs/performance.md, "Latency, start and memory") and
took the second core of a shared 2-core machine from PostgreSQL and the other replicas.
`kb calibrate` is no slower with one thread.

OpenBLAS reads `OPENBLAS_NUM_THREADS` once, when numpy first loads it, so `main` sets it
before any command imports numpy (`bot.cli` and its root import none;
tests/bot/cli/test_blas_threads.py checks a started command). A value the operator set is
kept. It is not `GDPRBOT_EMBEDDINGS_THREADS`: that one sizes the embedding model's own
OpenMP engine, which does real work per thread; these products do not.
"""

from __future__ import annotations

import os

BLAS_VARIABLE = "OPENBLAS_NUM_THREADS"
BLAS_THREADS = 1


def limit_blas_threads() -> None:
    """Make numpy's OpenBLAS, when it loads later in this process (and in the processes it
    starts), use `BLAS_THREADS` threads, unless `OPENBLAS_NUM_THREADS` is already set."""
    os.environ.setdefault(BLAS_VARIABLE, str(BLAS_THREADS))
