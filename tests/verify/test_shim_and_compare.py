"""The seeding/watching shim both sides run with, and the comparisons verify makes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from liftshift.verify import compare
from liftshift.verify.environment import SHIM
from liftshift.verify.original import last_error_line

SCRIPT = """\
import os, random, sys
print("random", random.random())
import numpy
print("numpy", numpy.random.rand())
os.listdir(sys.argv[1])
try:
    os.makedirs("/opt/ml/output/data", exist_ok=True)
except PermissionError as exc:
    print("refused", exc)
"""


def test_shim_seeds_records_channel_reads_and_guards_opt_ml(tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    shutil.copyfile(SHIM, shim / "sitecustomize.py")
    channel = tmp_path / "train"
    channel.mkdir()
    (tmp_path / "s.py").write_text(SCRIPT, encoding="utf-8")
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")]),
        "LIFTSHIFT_VERIFY_WATCH": json.dumps({"train": str(channel), "test": str(tmp_path)}),
        "LIFTSHIFT_VERIFY_TRACE": str(tmp_path / "trace.jsonl"),
        "LIFTSHIFT_VERIFY_GUARD": "1",
    }
    runs = [
        subprocess.run(
            [sys.executable, str(tmp_path / "s.py"), str(channel)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0].splitlines()[:2] == runs[1].splitlines()[:2]  # seeded the same way
    assert "refused" in runs[0] and not Path("/opt/ml/output/data").exists()
    trace = [
        json.loads(line)["channel"] for line in (tmp_path / "trace.jsonl").read_text().splitlines()
    ]
    assert "train" in trace


def test_artifacts_match_through_a_flattened_version_folder(tmp_path: Path) -> None:
    original, migrated = tmp_path / "o", tmp_path / "m"
    (original / "000000001" / "variables").mkdir(parents=True)
    (migrated / "variables").mkdir(parents=True)
    for base in (original / "000000001", migrated):
        (base / "saved_model.pb").write_bytes(b"graph")
        (base / "variables" / "v.index").write_bytes(b"weights")
    (migrated / "fingerprint.pb").write_bytes(b"x")
    parity = compare.compare_artifacts(original, migrated)
    assert not parity.ok and parity.only_migrated == ["fingerprint.pb"]
    (original / "000000001" / "fingerprint.pb").write_bytes(b"y")
    parity = compare.compare_artifacts(original, migrated)
    assert parity.ok and "000000001/" in parity.note
    # a random uuid by design: present on both sides, never compared (nor called identical)
    assert parity.random_by_design == ["fingerprint.pb"]
    assert not parity.differing and len(parity.identical) == 2


def test_empty_model_folder_is_never_ok(tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "model.joblib").write_bytes(b"m")
    assert not compare.compare_artifacts(tmp_path / "o", tmp_path / "missing").ok


def test_metrics_from_printed_lines_and_from_metric_definitions(tmp_path: Path) -> None:
    log = (
        "I0000 cpu_feature_guard.cc:153] set TF_ENABLE_ONEDNN_OPTS=0\n"
        "Epoch 1/2 - 1s - 150ms/step - accuracy: 0.1 - loss: 2.3\n"
        "Epoch 2/2 - 1s - 150ms/step - accuracy: 0.2 - loss: 1.5\n"
        "test accuracy: 0.7500 rmse=1e-3\n"
    )
    assert compare.extract_metrics(log, []) == {
        "accuracy": 0.2,
        "loss": 1.5,
        "test accuracy": 0.75,
        "rmse": 0.001,
    }
    launcher = tmp_path / "launch.ipynb"
    cell = (
        'est = SKLearn(metric_definitions=[{"Name": "acc", "Regex": "test accuracy: ([0-9.]+)"}])'
    )
    launcher.write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": ["%pip x\n", cell]}]})
    )
    definitions = compare.metric_definitions(launcher)
    assert definitions == [("acc", "test accuracy: ([0-9.]+)")]
    assert compare.extract_metrics(log, definitions) == {"acc": 0.75}
    rows = compare.compare_metrics({"acc": 0.75}, {"acc": 0.7501}, rtol=1e-6)
    assert not rows[0].ok
    assert compare.compare_metrics({"acc": 0.75}, {"acc": 0.75}, rtol=1e-6)[0].ok


@pytest.mark.parametrize(
    ("original", "migrated", "expected"),
    [
        ([0, 1, 1], [0, 1, 1], (0.0, 3, True)),
        ([[0.9, 0.1], [0.2, 0.8]], [[0.8, 0.2], [0.2, 0.8]], (pytest.approx(0.1), 2, False)),
        ([[0.6, 0.4]], [[0.4, 0.6]], (pytest.approx(0.2), 0, False)),
        (["a", "b"], ["a", "c"], (None, 1, False)),
    ],
)
def test_predictions(original: list, migrated: list, expected: tuple) -> None:
    assert compare.compare_predictions(original, migrated, rtol=1e-6) == expected


def test_last_error_line_finds_the_exception_or_argparse_error() -> None:
    traceback = "Traceback (most recent call last):\n  File x\nValueError: bad\n"
    assert last_error_line(traceback) == "ValueError: bad"
    usage = "usage: train.py [-h]\ntrain.py: error: unrecognized arguments: --job-dir /x\n"
    assert last_error_line(usage).endswith("unrecognized arguments: --job-dir /x")
