"""The core stays UI-free and the CLI stays cheap to import (DESIGN.md section 5)."""

import subprocess
import sys

import pytest

HEAVY = ("textual", "google.cloud.aiplatform", "tensorflow", "boto3", "google.cloud.storage")


@pytest.mark.parametrize(
    "module", ["liftshift.cli", "liftshift.foundation.plan", "liftshift.foundation.clients"]
)
def test_importing_does_not_pull_heavy_sdks(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("module", ["liftshift.migrator.planner", "liftshift.migrator.migrate"])
def test_the_codemods_do_not_import_libcst_s_matchers_or_codemod_framework(module: str) -> None:
    """Every scan, plan, migrate and run process imports these; ``libcst.matchers`` and
    ``libcst.codemod`` cost ~0.25 CPU-s more at start-up (the rare path that needs libcst's
    AddImportsVisitor imports it when it runs)."""
    heavy = ("libcst.matchers", "libcst.codemod")
    code = f"import sys, {module}; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
