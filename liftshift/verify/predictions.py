"""Predictions of both trained models, from one helper process in the trainer's Python
(``_predict.py``), started as soon as the original's model exists so it loads while the
migrated trainer still runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from liftshift.foundation.plan import Plan
from liftshift.verify import compare, sagemaker, samples
from liftshift.verify.original import last_error_line
from liftshift.verify.report import SideRun

PREDICT = Path(__file__).with_name("_predict.py")
ANSWER = "@@"
"""The prefix of an answer line of ``_predict.py`` (its own copy: it imports nothing of ours)."""


class Predictor:
    """The prediction process (``_predict.py``) in the trainer's Python: started as soon as
    the original's model exists, so it loads while the migrated trainer still runs."""

    def __init__(self, python: Path, env: dict[str, str], timeout: float | None) -> None:
        self.timeout = timeout
        self.asked = 0
        self.process = subprocess.Popen(
            [str(python), str(PREDICT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def ask(self, request: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:  # it died; answers() reports why
            return
        self.asked += 1

    def answers(self) -> list[dict[str, Any]]:
        """Every answer, in order (an error entry when the process failed before one)."""
        try:
            out, err = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            err += f"\nno answer within {self.timeout:g} s"
        found = [
            json.loads(line[len(ANSWER) :]) for line in out.splitlines() if line.startswith(ANSWER)
        ]
        if len(found) < max(self.asked, 1):
            tail = last_error_line(err) or f"exit {self.process.returncode}"
            found.append({"error": f"the prediction process failed: {tail}"})
        return found

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def original_request(
    prepared: sagemaker.PreparedRun,
    original_src: Path,
    seed: int,
    hyperparameters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The first request: the original's model on ``sample_instances.json``, else the first
    rows of the sample data the run used (:mod:`liftshift.verify.samples`), else synthetic
    rows; through the entry point's own handlers when it has them (see ``_predict``)."""
    from liftshift.trainer.predict import PredictionError, project_instances

    try:
        instances = project_instances(original_src)
    except PredictionError:
        instances = None
    sample = None
    if instances is None:
        sample = samples.request_fields(
            prepared.channel_dirs, prepared.entry, hyperparameters or {}
        )
    return {
        "model_dir": str(prepared.model_dir),
        "handlers": str(prepared.entry) if _defines(prepared.entry, "model_fn") else None,
        "instances": instances,
        "instances_from": "sample_instances.json" if instances is not None else "",
        "sample": sample,
        "seed": seed,
        "synthetic": 4,
    }


def compare_models(
    plan: Plan,
    project: Path,
    *,
    migrated: SideRun,
    predictor: Predictor | None,
    seed: int,
    rtol: float,
) -> compare.PredictionParity:
    """Ask for the migrated model's predictions on the same rows and compare."""
    if predictor is None:
        return compare.PredictionParity(False, reason="the original left no model to load")
    module_file = project / (plan.code.module.replace(".", "/") + ".py")
    handlers = str(module_file) if _defines(module_file, "model_fn") else None
    predictor.ask({"model_dir": migrated.model_dir, "handlers": handlers, "seed": seed})
    answers = predictor.answers()
    first = answers[0]
    if "error" in first:
        return compare.PredictionParity(False, reason=f"original model: {first['error']}")
    parity = compare.PredictionParity(
        True,
        loader_original=first["loader"],
        instances=len(first["instances"]),
        instances_from=first["instances_from"],
        original_rows=first["predictions"],
    )
    second = answers[1] if len(answers) > 1 else {"error": "no answer"}
    if "error" in second:
        parity.compared, parity.reason = False, f"migrated model: {second['error']}"
        return parity
    parity.loader_migrated = second["loader"]
    diff, agree, ok = compare.compare_predictions(first["predictions"], second["predictions"], rtol)
    parity.max_abs_diff, parity.labels_agree, parity.ok = diff, agree, ok
    return parity


def _defines(path: Path, function: str) -> bool:
    try:
        return f"def {function}(" in path.read_text(encoding="utf-8")
    except OSError:
        return False
