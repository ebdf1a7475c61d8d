"""``make run``'s demo, end to end over real HTTP: ``python -m server.demo --smoke``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_smoke_analyses_a_demo_account_over_http(tmp_path):
    command = [sys.executable, "-m", "server.demo", "--smoke", "stressed_steve", "--directory", str(tmp_path)]
    command += ["--port", "0", "--twitter-port", "0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "succeeded" in result.stdout and '"status"' in result.stdout and '"model_version"' in result.stdout
    assert {"worker.log", "web.log", "mood.db"} <= {p.name for p in tmp_path.iterdir()}
