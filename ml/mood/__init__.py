"""Classified tweets to a mood: tweet weights (recency, engagement, authorship) and the status."""
