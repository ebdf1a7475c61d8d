"""The topic benchmark script runs end to end on a small topic and prints its figures (not judged: timings vary)."""

from __future__ import annotations

import re

import pytest

from server.dev import topic_bench

pytestmark = pytest.mark.stack


def test_the_benchmark_prints_time_phases_and_peak_memory(capsys):
    assert topic_bench.main(["--tweets", "300"]) == 0
    out = capsys.readouterr().out
    counted = re.search(r"topic job, (\d+) tweets, \d+ CPUs: [\d.]+ s end to end \(goal 30 s\)", out)
    assert counted and int(counted.group(1)) == 300, out
    assert re.search(r"fetch [\d.]+ s, classify [\d.]+ s, persist [\d.]+ s", out), out
    peak = re.search(r"worker peak RSS (\d+) MB", out)
    assert peak and 200 < int(peak.group(1)) < 4000, out  # sampled: the worker with the model is hundreds of MB
