"""Predictions of both trained models, from one helper process in the trainer's Python
(``_predict.py``), started as soon as the original's model exists so it loads while the
migrated trainer still runs."""

from __future__ import annotations

import ast
import contextlib
import json
import queue
import subprocess
import threading
import time
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
    """The prediction process (``_predict.py``) in the trainer's Python. Started before the
    trainers finish and told to import what the entry point imports (:meth:`warm`), so the
    framework is loaded by the time there is a model; its answers are read as they come and
    the process is killed once they are in (an interpreter holding a framework can take
    seconds to exit, time nobody needs to wait for). Its stderr goes to a file in the verify
    folder's temp folder (``env["TMPDIR"]``), never to a pipe that could fill up."""

    def __init__(self, python: Path, env: dict[str, str], timeout: float | None) -> None:
        self.timeout = timeout
        self.asked = 0
        folder = Path(env.get("TMPDIR") or ".")
        folder.mkdir(parents=True, exist_ok=True)
        self.stderr_path = folder / f"predict-{id(self):x}.err"
        self._stderr = self.stderr_path.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [str(python), str(PREDICT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process exited

    def _send(self, request: dict[str, Any]) -> bool:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):  # it died; answers() reports why
            return False
        return True

    def warm(self, modules: list[str]) -> None:
        """Import ``modules`` now (no answer), while the trainers still run."""
        if modules:
            self._send({"warm": modules})

    def ask(self, request: dict[str, Any]) -> None:
        if self._send(request):
            self.asked += 1

    def answers(self) -> list[dict[str, Any]]:
        """Every answer, in order (an error entry when the process failed before one)."""
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        found: list[dict[str, Any]] = []
        ended = timed_out = False
        while len(found) < self.asked and not ended:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            try:
                line = self._lines.get(timeout=wait)
            except queue.Empty:
                timed_out = True
                break
            if line is None:
                ended = True
            elif line.startswith(ANSWER):
                found.append(json.loads(line[len(ANSWER) :]))
        self.close()
        if len(found) < max(self.asked, 1):
            err = self.stderr_path.read_text(encoding="utf-8", errors="replace")
            if timed_out:
                err += f"\nno answer within {self.timeout:g} s"
            tail = last_error_line(err) or f"exit {self.process.returncode}"
            found.append({"error": f"the prediction process failed: {tail}"})
        return found

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()


def entry_imports(entry: Path) -> list[str]:
    """The top-level modules an entry point imports at module level (what its handlers and
    its model's unpickling will need): the prediction helper imports them early."""
    try:
        tree = ast.parse(entry.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return list(dict.fromkeys(names))


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
