"""Orchestration over the feature packages: ``liftshift run`` (``pipeline``) and its
credential-free preview (``dry_run``)."""
