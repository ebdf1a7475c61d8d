"""Shared fixtures: the real shipped model, loaded once per test session."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# A developer's .env must not change the tests (config.py reads ENV_FILE instead of ./.env; child processes too).
os.environ["ENV_FILE"] = os.devnull
# Processes the tests start (workers, beat, the web process) run outside the demo, where SECRET_KEY is required.
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-of-32-chars!")


@pytest.fixture(scope="session")
def classifier():
    from ml import ClassificationModel

    return ClassificationModel().load()


STACK_DIRS = tuple(os.path.join(os.path.dirname(__file__), name) + os.sep for name in ("tasks", "browser"))


def pytest_collection_modifyitems(items):
    """Mark every test under ``tests/tasks`` and ``tests/browser`` ``stack``: they start real processes."""
    for item in items:
        if str(item.path).startswith(STACK_DIRS):
            item.add_marker(pytest.mark.stack)
