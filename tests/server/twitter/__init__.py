"""Tests of ``server.twitter``."""
