"""Prove a migration: run the original SageMaker entry point under a local stand-in for the
SageMaker training toolkit and the migrated package as a local Vertex job, on the same data,
hyperparameters, Python and seeds, and compare model files, metrics and predictions.

A feature package of its own, above ``trainer`` (it drives the local Vertex backend) and able
to read ``migrator`` (the apply backup that holds the original), which ``trainer`` may not.
"""

from liftshift.verify.original import restore_original
from liftshift.verify.report import SideRun, VerifyError, VerifyReport
from liftshift.verify.runner import VerifyOptions, load_last_report, verify_project

__all__ = [
    "SideRun",
    "VerifyError",
    "VerifyOptions",
    "VerifyReport",
    "load_last_report",
    "restore_original",
    "verify_project",
]
