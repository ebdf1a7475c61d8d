"""Tests of ``server.api``."""
