"""The Textual app. Calls the core; the core never calls it."""
