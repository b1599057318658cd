"""The invoice-lives state machine, long run (not a test; run by hand): `.venv/bin/python bench/state_machine.py`.

Runs `tests/paystack/test_invoice_lives.py` with many more random examples than the suite's bounded run
(and without its fixed seed), against the sandbox over HTTP and a real RQ worker on Redis, exactly as the
suite does. Needs what the suite needs (PostgreSQL for TEST_DATABASE_URL, Redis on 127.0.0.1:6379).
Options via environment: BENCH_EXAMPLES (default 60), BENCH_STEPS (default 12). Prints the run's time per
example; exits non-zero (with hypothesis's shrunk failing sequence) if any invariant breaks.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("BENCH_EXAMPLES", "60"))
STEPS = int(os.environ.get("BENCH_STEPS", "12"))


def main():
    env = {**os.environ, "INVOICE_LIVES_EXAMPLES": str(EXAMPLES), "INVOICE_LIVES_STEPS": str(STEPS)}
    env.setdefault("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/paystack/test_invoice_lives.py", "-q", "-x", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env,
    )
    elapsed = time.perf_counter() - started
    print(f"invoice lives: {EXAMPLES} examples × up to {STEPS} steps in {elapsed:.0f} s "
          f"({elapsed / EXAMPLES:.1f} s per example): {'OK' if result.returncode == 0 else 'FAILED'}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
