"""Tests of ``ml.mood``."""
