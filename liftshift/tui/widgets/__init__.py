"""Reusable widgets of the app: they show data given to them and post messages up."""
