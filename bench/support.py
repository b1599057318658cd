"""Shared pieces of the benchmark scripts: a throwaway PostgreSQL database and server-time sampling."""
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import databases as tests_databases  # noqa: E402

DB_SERVER = os.environ.get("BENCH_DB_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def throwaway_database(prefix):
    """A database on BENCH_DB_SERVER for one benchmark run, dropped afterwards whatever happens."""
    return tests_databases.throwaway_database(DB_SERVER, prefix)


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_calls(call, rounds, warmup=3):
    """Milliseconds taken by `call()` over `rounds` runs, after a few untimed warm-up runs."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples):
    return {"p50": statistics.median(samples), "p95": percentile(samples, 0.95)}
