"""mood."""
