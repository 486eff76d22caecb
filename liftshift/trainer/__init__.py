"""Packaging, machines and scale tiers, containers, training backends, job monitor, model
registry. No UI."""
