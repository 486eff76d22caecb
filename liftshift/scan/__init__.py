"""The static SageMaker project scanner (libcst; never imports or runs user code).

``scan_project(root)`` returns a :class:`~liftshift.scan.project.ProjectScan`: launchers
(``.py`` and notebook cells, SDK v2 estimators and v3 ``ModelTrainer``), training entry points
with every ``SM_*`` read, and findings with ``file:line``. ``read_past_job`` adds what a
SageMaker training job that already ran says (``scan --from-job``).
"""

from liftshift.scan.past_jobs import merge_past_job, read_past_job
from liftshift.scan.scanner import ScanError, ScanProgress, scan_project

__all__ = ["ScanError", "ScanProgress", "merge_past_job", "read_past_job", "scan_project"]
