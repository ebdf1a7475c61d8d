"""Shared fixtures: the real shipped model, loaded once per test session."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def classifier():
    from ml import ClassificationModel

    return ClassificationModel().load()
