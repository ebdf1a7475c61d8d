"""Rebuilding and checking the model: data, training, teacher logits, evaluation, metrics, benchmarks."""
