"""Tests of ``server.bot``."""
