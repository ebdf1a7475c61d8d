"""twitter."""
