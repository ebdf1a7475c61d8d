"""Tests of ``ml.graph``."""
