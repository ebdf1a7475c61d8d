"""``make run``'s demo, end to end over real HTTP: ``python -m server.dev.demo --smoke``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server.dev.demo import PERSONA_STATUS, persona_accounts, persona_table

ROOT = Path(__file__).resolve().parents[2]


def test_demo_smoke_analyses_a_demo_account_over_http(tmp_path):
    command = [sys.executable, "-m", "server.dev.demo", "--smoke", "stressed_steve", "--directory", str(tmp_path)]
    command += ["--port", "0", "--twitter-port", "0"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "succeeded" in result.stdout and '"status"' in result.stdout and '"model_version"' in result.stdout
    assert "Sign in with X: signed in as @quiet_quinn" in result.stdout
    assert {"worker.log", "web.log", "beat.log", "mood.db"} <= {p.name for p in tmp_path.iterdir()}
    web_log = (tmp_path / "web.log").read_text()
    assert "GET /auth/callback?state=[redacted]&code=[redacted]" in web_log  # gunicorn's access log, redacted
    assert "beat: Starting" in (tmp_path / "beat.log").read_text()  # the Procfile's third process


def test_persona_accounts_are_the_persona_accounts_with_enough_own_tweets():
    accounts = persona_accounts()
    assert set(accounts.values()) == set(PERSONA_STATUS)
    assert {
        "sunny_sam": "cheerful",
        "stressed_steve": "stressed",
        "blue_bella": "depressed",
    }.items() <= accounts.items()
    assert "newsy_nora" not in accounts and "quiet_quinn" not in accounts  # no persona mood to match
    assert len(persona_accounts(min_own=10**6)) == 0


def test_persona_table_counts_matches_among_determined_accounts():
    personas = {"a": "cheerful", "b": "cheerful", "c": "stressed", "d": "stressed", "e": "depressed"}
    statuses = {"a": "Cheerful", "b": "Satisfied", "c": "Stressed", "d": None, "e": "Depressed"}
    table, share = persona_table(statuses, personas)
    assert share == 3 / 4  # d is undetermined: not counted against the model
    assert "match: 3 of 4 determined accounts (75.0%)" in table
    assert table.splitlines()[1].split() == ["cheerful", "2", "1", "1", "0", "0", "0", "50%"]
    assert table.splitlines()[2].split()[-1] == "-"  # no satisfied persona in this cast
