"""Shared fixtures: the real shipped model, loaded once per test session."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def classifier():
    from ml import ClassificationModel

    return ClassificationModel().load()


STACK_DIR = os.path.join(os.path.dirname(__file__), "tasks")


def pytest_collection_modifyitems(items):
    """Mark every test under ``tests/tasks`` ``stack``: they start real worker, web and broker processes."""
    for item in items:
        if str(item.path).startswith(STACK_DIR + os.sep):
            item.add_marker(pytest.mark.stack)
