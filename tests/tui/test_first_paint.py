"""The app paints its first screen before any cloud SDK is imported (DESIGN.md section 5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("google.cloud.aiplatform", "boto3", "tensorflow", "google.cloud.storage")

PROBE = """
import asyncio, sys
from liftshift.tui.app import make_app

async def main():
    app = make_app(sys.argv[1])
    async with app.run_test(size=(80, 24)):
        # run_test yields once the first screen is composed and painted
        print(",".join(m for m in {heavy!r} if m in sys.modules))

asyncio.run(main())
"""


def test_first_paint_happens_before_cloud_sdks_are_imported(titanic: Path) -> None:
    code = PROBE.format(heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code, str(titanic)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    imported = out.stdout.strip()
    assert imported == "", f"imported before the first paint: {imported}"
