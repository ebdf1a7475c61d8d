"""Tests of ``server.dev``."""
