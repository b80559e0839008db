"""benchmarks/speed.py runs end to end on tiny synthetic settings and writes its page (no timings asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_speed_benchmark_smoke(tmp_path):
    cmd = [sys.executable, str(ROOT / "benchmarks" / "speed.py"), "--synthetic", "--families", "gan"]
    cmd += ["--steps", "2", "--warmup", "1", "--repeats", "1", "--samples", "50", "--variants", ""]
    cmd += ["--cli-runs", "0", "--write-docs", "--docs", str(tmp_path)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    raw = json.loads((tmp_path / "speed.json").read_text())
    gan = raw["families"]["gan"]
    for column in ("ganzoo", "plain", "reference"):
        ((seconds, images),) = gan[column]
        assert seconds > 0 and images == 2 * 64  # two timed batches of the default 64
    assert gan["memory"]["peak_mb"] > gan["memory"]["delta_mb"] > 0
    page = (tmp_path / "speed.md").read_text()
    assert "| gan | 64 | 1 |" in page and "random uint8 images" in page
    assert raw["meta"]["busy_before"] >= 0 and "other runnable tasks when it started" in page
