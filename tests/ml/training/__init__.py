"""Tests of ``ml.training``."""
