"""Tests of ``server.graph``."""
