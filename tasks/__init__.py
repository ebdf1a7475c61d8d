"""Celery tasks (thin: they take ids and call ``server``) and the worker entry point.

The Celery app is built by ``server.create_app`` (``server.extensions.celery_init_app``); the worker starts
with ``celery -A tasks.worker worker``. Only worker processes load the classifier, lazily, after the fork.
"""
