"""The photo benchmark runs an analysis with photos end to end and prints its figures (not judged: timings vary)."""

from __future__ import annotations

import re

import pytest

from server.dev import photo_bench

pytestmark = pytest.mark.stack


def test_the_benchmark_prints_faces_phases_and_peak_memory(capsys):
    assert photo_bench.main(["--tweets", "60", "--photos", "10"]) == 0
    out = capsys.readouterr().out
    found = re.search(r"10 with a photo, \d+ CPUs: [\d.]+ s; (\d+) tweets with faces", out)
    assert found and int(found.group(1)) == 5, out  # every other photo is the portrait
    assert re.search(r"fetch [\d.]+ s, photos [\d.]+ s, classify [\d.]+ s", out), out
    peak = re.search(r"worker peak RSS (\d+) MB", out)
    assert peak and 200 < int(peak.group(1)) < 4000, out
