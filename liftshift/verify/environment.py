"""The environment both sides of ``liftshift verify`` run in, and its helper processes: the
seeding shim first on ``PYTHONPATH``, the same seeds, temp and cache folders inside the verify
folder (so nothing is written outside the project's ``.liftshift/``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

SHIM = Path(__file__).with_name("_shim.py")


def install_shim(work: Path) -> Path:
    """``<work>/shim/sitecustomize.py``: the folder to put first on ``PYTHONPATH``."""
    shim_dir = work / "shim"
    shim_dir.mkdir()
    shutil.copyfile(SHIM, shim_dir / "sitecustomize.py")
    return shim_dir


def trainer_env(work: Path, shim_dir: Path, seed: int) -> dict[str, str]:
    """What both sides share: seeds, the shim first on the path, temp and cache folders
    inside the verify folder (so nothing is written outside the project)."""
    paths = [str(shim_dir)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return helper_env(work) | {
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONHASHSEED": str(seed),
        "LIFTSHIFT_VERIFY_SEED": str(seed),
        "TF_DETERMINISTIC_OPS": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def helper_env(work: Path) -> dict[str, str]:
    """Temp and cache folders in the verify folder, quiet TensorFlow, no ``__pycache__``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_"))}
    return base | {
        "TMPDIR": str(work / "tmp"),
        "KERAS_HOME": str(work / "keras"),
        "MPLCONFIGDIR": str(work / "mpl"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ beside the project's own files
    }
