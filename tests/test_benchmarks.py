"""The benchmarks still run: each at its smoke size (figures are not judged here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
EXTRA = {"ack_latency.py": ["--floor"]}
"""Options that would otherwise rot: the floor server runs only when asked."""


@pytest.mark.bench
@pytest.mark.parametrize(
    "script", ["query_cost.py", "ack_latency.py", "dispatch.py", "proposal.py"]
)
def test_benchmark_smoke(script: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--smoke", *EXTRA.get(script, [])],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
