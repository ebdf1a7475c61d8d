"""Tests of ``ml.text``."""
