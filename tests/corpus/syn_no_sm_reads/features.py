"""Synthetic liftshift corpus trainer: feature helpers."""

def add_ratio(frame):
    frame["ratio"] = frame["a"] / frame["b"]
    return frame
