"""Scan, plan, file changes and diffs, apply/undo, S3 to GCS sync, storage adapters. No UI."""
