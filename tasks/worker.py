"""Worker entry point: ``celery -A tasks.worker worker --loglevel=INFO``."""

from server import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
