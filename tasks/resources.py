"""What a worker process holds for its jobs: the classifier and follower graph, built on first use after the fork."""

from __future__ import annotations

import logging
import threading

import networkx as nx
from flask import current_app

from server.graph.cache import GraphCache
from server.jobs.runner import Resources

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_classifier = None
_graph_cache: GraphCache | None = None


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


def get_graph() -> nx.DiGraph:
    """This process's follower graph, reloaded from the database only when its version moved."""
    global _graph_cache
    if _graph_cache is None:
        with _lock:
            if _graph_cache is None:
                _graph_cache = GraphCache()
    return _graph_cache.get()


def worker_resources() -> Resources:
    """The resources a pipeline runs with in this worker process."""
    return Resources(twitter=current_app.extensions["twitter"], load_classifier=get_classifier, load_graph=get_graph)
