"""Text to emotions: normalisation, the BERT classifier (plain torch) and the tweet language."""
