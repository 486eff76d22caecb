"""Synthetic liftshift corpus trainer: a notes file that happens to be Python."""

NOTES = "run entry.py with SM_HPS set"
