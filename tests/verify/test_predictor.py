"""The prediction helper process: warmed up early, answers read as they come, killed once they
are in, its stderr kept in the verify folder's temp folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from liftshift.verify.predictions import Predictor, entry_imports


def test_answers_come_back_and_the_helper_is_gone(tmp_path: Path) -> None:
    import joblib  # here, not at collection: scikit-learn takes ~1 CPU-s to import
    from sklearn.linear_model import LinearRegression

    model_dir = tmp_path / "model"
    model_dir.mkdir()
    joblib.dump(LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0]), model_dir / "model.joblib")
    env = dict(os.environ) | {"TMPDIR": str(tmp_path / "tmp")}
    predictor = Predictor(Path(sys.executable), env, timeout=120)
    predictor.warm(["sklearn.linear_model", "no_such_module_here"])  # a miss is not an answer
    predictor.ask({"model_dir": str(model_dir), "instances": [[2.0]], "instances_from": "given"})
    predictor.ask({"model_dir": str(tmp_path / "missing")})
    first, second = predictor.answers()
    assert (
        round(first["predictions"][0], 6) == 4.0
        and first["loader"] == "LinearRegression from model.joblib"
    )
    assert "error" in second
    assert predictor.process.returncode is not None  # killed, not waited for
    assert predictor.stderr_path.parent == tmp_path / "tmp"


def test_a_helper_that_dies_says_why(tmp_path: Path) -> None:
    env = dict(os.environ) | {"TMPDIR": str(tmp_path), "PYTHONPATH": str(tmp_path)}
    (tmp_path / "sitecustomize.py").write_text("raise SystemExit('broken interpreter')\n")
    predictor = Predictor(Path(sys.executable), env, timeout=60)
    predictor.ask({"model_dir": str(tmp_path)})
    (answer,) = predictor.answers()
    assert answer["error"].startswith("the prediction process failed: ")
    assert answer["error"].endswith("broken interpreter")


def test_entry_imports_are_the_top_level_modules(tmp_path: Path) -> None:
    entry = tmp_path / "train.py"
    entry.write_text(
        "import os, joblib\nfrom sklearn.ensemble import RandomForestClassifier\n"
        "from . import sibling\ndef main():\n    import torch\n"
    )
    assert entry_imports(entry) == ["os", "joblib", "sklearn.ensemble"]
    assert entry_imports(tmp_path / "missing.py") == []
