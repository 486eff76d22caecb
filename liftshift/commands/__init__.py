"""One module per CLI command group; loaded lazily by liftshift.cli so start-up stays fast."""
