"""The emotion classifier of this worker process: built on first use, after the fork, once per process."""

from __future__ import annotations

import logging
import threading

from flask import current_app

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_classifier = None


def get_classifier():
    """This process's loaded ``ml.ClassificationModel`` (imports torch and loads the weights on the first call)."""
    global _classifier
    if _classifier is None:
        with _lock:
            if _classifier is None:
                from ml import ClassificationModel

                config = current_app.config
                model = ClassificationModel(
                    config["MODEL_DIR"], config["TOKENIZER_DIR"], batch_size=config["CLASSIFIER_BATCH_SIZE"]
                )
                _classifier = model.load()
                import torch  # already imported by the model; only for the log line

                logger.info("classifier %s loaded (%d threads)", _classifier.version, torch.get_num_threads())
    return _classifier
