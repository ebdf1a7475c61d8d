"""Tests of ``server.pipelines``."""
