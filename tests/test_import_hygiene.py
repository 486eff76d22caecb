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
