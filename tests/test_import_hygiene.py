"""The core stays UI-free and the CLI stays cheap to import (DESIGN.md section 5)."""

import subprocess
import sys

import pytest

HEAVY = ("textual", "google.cloud.aiplatform", "tensorflow", "boto3", "google.cloud.storage")


def imported_with(module: str, candidates: tuple[str, ...]) -> list[str]:
    """Which of ``candidates`` a fresh Python has loaded after importing ``module``."""
    code = f"import sys, {module}; print(','.join(m for m in {candidates!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [name for name in out.stdout.strip().split(",") if name]


@pytest.mark.parametrize(
    "module", ["liftshift.cli", "liftshift.foundation.plan", "liftshift.foundation.clients"]
)
def test_importing_does_not_pull_heavy_sdks(module: str) -> None:
    assert imported_with(module, HEAVY) == []


@pytest.mark.parametrize("module", ["liftshift.migrator.planner", "liftshift.migrator.migrate"])
def test_the_codemods_do_not_import_libcst_s_matchers_or_codemod_framework(module: str) -> None:
    """Every scan, plan, migrate and run process imports these; ``libcst.matchers`` and
    ``libcst.codemod`` cost ~0.25 CPU-s more at start-up (the rare path that needs libcst's
    AddImportsVisitor imports it when it runs)."""
    assert imported_with(module, ("libcst.matchers", "libcst.codemod")) == []
