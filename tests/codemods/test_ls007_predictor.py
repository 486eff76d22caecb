"""LS007: SageMaker inference handlers become a Vertex AI custom prediction routine.

Each handler style found in public script-mode projects (all four handlers; only ``model_fn``;
``transform_fn``; handlers in a separate ``inference.py``) is migrated as the pipeline runs it,
then the generated predictor is imported and driven through the real
``google.cloud.aiplatform.prediction.Predictor`` base class with a real scikit-learn model,
and its answers are compared with the SageMaker handler chain's."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from liftshift.codemods import ls007_predictor
from liftshift.foundation.settings import Settings
from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import migrate_project

TRAINER = """\
import argparse
import os

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression


def train(model_dir):
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    model = LogisticRegression().fit(x, [0, 0, 1, 1])
    joblib.dump(model, os.path.join(model_dir, "model.joblib"))


{handlers}

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
    train(parser.parse_args().model_dir)
"""

MODEL_FN = """\
def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
"""

ALL_FOUR = (
    MODEL_FN
    + """

def input_fn(request_body, request_content_type):
    if request_content_type == "application/json":
        return np.array(json.loads(request_body)["rows"])
    raise ValueError(request_content_type)


def predict_fn(input_data, model):
    return model.predict_proba(input_data)[:, 1]


def output_fn(prediction, accept):
    return json.dumps({"predictions": [round(float(p), 3) for p in prediction]}), accept
"""
)

TRANSFORM_FN = (
    MODEL_FN
    + """

def transform_fn(model, request_body, content_type, accept):
    rows = np.array(json.loads(request_body))
    return json.dumps((model.predict(rows) * 10).tolist()), accept
"""
)

LAUNCHER = """\
from sagemaker.sklearn.estimator import SKLearn

SKLearn(entry_point="train.py", role="r", instance_type="ml.m5.large",
        framework_version="1.2-1").fit({"train": "s3://acme-data/train"})
"""


def make_project(root: Path, handlers: str, *, extra: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "train.py": TRAINER.format(handlers=handlers),
        "launch.py": LAUNCHER,
        "requirements.txt": "scikit-learn\njoblib\n",
        **(extra or {}),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def migrated(root: Path) -> dict[str, str]:
    """Migrate and apply; the files the migration wrote."""
    result = migrate_project(root)
    assert not result.errors, result.errors
    apply_changeset(result.changeset, root, force=True)
    return {change.path: change.result() for change in result.changeset}


def fitted_model(root: Path) -> Path:
    """A model folder made by the project's own training function."""
    model_dir = root / "model"
    model_dir.mkdir()
    with _importable(root):
        importlib.import_module("trainer.train").train(str(model_dir))
    return model_dir


class _importable:
    """The migrated project's ``trainer`` package importable, and forgotten afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)

    def __enter__(self) -> None:
        sys.path.insert(0, self.root)

    def __exit__(self, *_exc: object) -> None:
        sys.path.remove(self.root)
        for name in [m for m in sys.modules if m == "trainer" or m.startswith("trainer.")]:
            del sys.modules[name]


def serve(root: Path, model_dir: Path | str, request: dict) -> dict:
    """What Vertex's PredictionHandler does with the predictor: load, then
    postprocess(predict(preprocess(request)))."""
    from google.cloud.aiplatform.prediction.predictor import Predictor

    with _importable(root):
        module = importlib.import_module("trainer.predictor")
        cls = module.HandlersPredictor
        assert issubclass(cls, Predictor)
        predictor = cls()
        predictor.load(str(model_dir))
        return predictor.postprocess(predictor.predict(predictor.preprocess(request)))


def handler_chain(root: Path, model_dir: Path, body: str, handlers: str = "train") -> object:
    """SageMaker's order: output_fn(predict_fn(input_fn(body), model_fn(dir)))."""
    with _importable(root):
        module = importlib.import_module(f"trainer.{handlers}")
        model = module.model_fn(str(model_dir))
        if hasattr(module, "transform_fn"):
            return module.transform_fn(model, body, "application/json", "application/json")
        data = module.input_fn(body, "application/json")
        return module.output_fn(module.predict_fn(data, model), "application/json")


def test_all_four_handlers_are_served_unchanged(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", "import json\n\n\n" + ALL_FOUR)
    files = migrated(root)
    predictor = files["trainer/predictor.py"]
    cst.parse_module(predictor)
    assert "from . import train as handlers\n" in predictor
    assert "return handlers.input_fn(request_body(prediction_input), CONTENT_TYPE)" in predictor
    assert "return handlers.predict_fn(instances, self._model)" in predictor
    assert "as_predictions(handlers.output_fn(prediction_results, ACCEPT))" in predictor
    assert "LS005" not in files["trainer/train.py"]  # served now: no "Vertex ignores it" TODO
    model_dir = fitted_model(root)
    # the handler's own request shape: input_fn reads {"rows": [...]}
    answer = serve(root, model_dir, {"instances": {"rows": [[0.0], [3.0]]}})
    expected = handler_chain(root, model_dir, json.dumps({"rows": [[0.0], [3.0]]}))
    assert answer == {"predictions": json.loads(expected[0])["predictions"]}
    assert answer["predictions"][0] < 0.5 < answer["predictions"][1]


def test_only_model_fn_uses_the_sagemaker_container_defaults(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", MODEL_FN)
    predictor = migrated(root)["trainer/predictor.py"]
    assert "numpy.array(json.loads(request_body(prediction_input)))" in predictor
    assert "return self._model.predict(instances)" in predictor
    assert "no predict_fn: model.predict(data)" in predictor
    assert "TODO(liftshift)" not in predictor  # scikit-learn's default is model.predict
    answer = serve(root, fitted_model(root), {"instances": [[0.0], [3.0]]})
    assert answer == {"predictions": [0, 1]}


def test_transform_fn_replaces_the_other_three(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", "import json\n\n\n" + TRANSFORM_FN)
    predictor = migrated(root)["trainer/predictor.py"]
    assert "handlers.transform_fn(self._model, instances, CONTENT_TYPE, ACCEPT)" in predictor
    model_dir = fitted_model(root)
    answer = serve(root, model_dir, {"instances": [[0.0], [3.0]]})
    expected = handler_chain(root, model_dir, "[[0.0], [3.0]]")
    assert answer == {"predictions": json.loads(expected[0])} == {"predictions": [0, 10]}


def test_handlers_in_a_separate_inference_module_move_in_and_are_rewritten(
    tmp_path: Path,
) -> None:
    inference = textwrap.dedent(
        """\
        import json
        import os

        import joblib
        import numpy as np

        import features


        def model_fn(model_dir):
            # the serving container's model folder, like the trainer's
            return joblib.load(os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))


        def input_fn(request_body, content_type):
            return features.rows(json.loads(request_body))
        """
    )
    extra = {
        "inference.py": inference,
        "features.py": "import numpy as np\n\n\ndef rows(data):\n    return np.array(data)\n",
    }
    root = make_project(tmp_path / "p", "", extra=extra)
    result = migrate_project(root)
    changes = {change.path: change for change in result.changeset}
    moved = changes["trainer/inference.py"]
    assert (moved.kind, moved.old_path) == ("move", "inference.py")
    text = moved.result()
    assert "from . import features\n" in text
    assert "SM_MODEL_DIR" not in text  # LS003's rewrite, as in the trainer
    assert "AIP_MODEL_DIR" in text
    assert changes["trainer/features.py"].old_path == "features.py"
    predictor = changes["trainer/predictor.py"].result()
    assert "from . import inference as handlers\n" in predictor
    assert "handlers.input_fn(request_body(prediction_input), CONTENT_TYPE)" in predictor
    assert "return self._model.predict(instances)" in predictor
    apply_changeset(result.changeset, root, force=True)
    assert not migrate_project(root).changeset, "applied twice: a second run changes nothing"
    # the rewritten model_fn finds the model folder the predictor loads
    answer = serve(root, fitted_model(root), {"instances": [[0.0], [3.0]]})
    assert answer == {"predictions": [0, 1]}


def test_applied_twice_changes_nothing(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", "import json\n\n\n" + ALL_FOUR)
    first = migrated(root)
    again = migrate_project(root)
    assert not again.changeset, again.changeset.diff()
    assert (root / "trainer" / "predictor.py").read_text(encoding="utf-8") == first[
        "trainer/predictor.py"
    ]


def test_a_project_without_handlers_is_left_alone(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", "")
    with_rule = migrate_project(root)
    without = migrate_project(root, skip=["LS007"])
    assert with_rule.changeset.diff() == without.changeset.diff()
    assert "trainer/predictor.py" not in {change.path for change in with_rule.changeset}
    assert not [entry for entry in with_rule.entries if entry.rule == "LS007"]


def test_handlers_without_model_fn_are_reported_not_served(tmp_path: Path) -> None:
    handlers = "def predict_fn(input_data, model):\n    return model.predict(input_data)\n"
    root = make_project(tmp_path / "p", handlers)
    result = migrate_project(root)
    assert "trainer/predictor.py" not in {change.path for change in result.changeset}
    (note,) = [entry for entry in result.entries if entry.rule == "LS007"]
    assert "no model_fn" in note.message
    assert any(entry.rule == "LS005" for entry in result.entries)  # its TODO stays


def test_tf_estimator_model_fn_is_not_a_serving_handler() -> None:
    module = cst.parse_module(
        "def model_fn(features, labels, mode):\n    pass\n\n\n"
        "def input_fn(channel, batch_size):\n    pass\n"
    )
    assert ls007_predictor.handler_names(module) == []


def test_pytorch_without_predict_fn_says_what_the_container_did() -> None:
    source = ls007_predictor.predictor_source("task", "trainer/task.py", ["model_fn"], "pytorch")
    assert "TODO(liftshift): LS007: no predict_fn and the PyTorch container ran" in source
    cst.parse_module(source)


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ('[{"label": "died"}]', [{"label": "died"}]),
        ((b'{"predictions": [1, 2]}', "application/json"), [1, 2]),
        ("1\n0\n", ["1", "0"]),
        ("a,b\nc,d\n", ["a,b", "c,d"]),
        (7, [7]),
    ],
)
def test_output_fn_results_become_a_predictions_list(encoded: object, expected: list) -> None:
    namespace: dict[str, object] = {}
    code = "import json\n" + ls007_predictor.HELPERS
    exec(compile(code, "helpers", "exec"), namespace)  # the generated code
    assert namespace["as_predictions"](encoded) == expected


def test_a_gs_artifact_is_downloaded_with_the_sdk_helper(
    tmp_path: Path, gcs_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Vertex AI, AIP_STORAGE_URI is a gs:// folder: the predictor downloads it (here from
    fake-gcs-server, which the storage client finds through STORAGE_EMULATOR_HOST)."""
    from liftshift.foundation.clients import gcs_client

    root = make_project(tmp_path / "p", MODEL_FN)
    migrated(root)
    model_dir = fitted_model(root)
    bucket = gcs_client(gcs_settings).create_bucket("models")
    bucket.blob("titanic/1/model.joblib").upload_from_filename(str(model_dir / "model.joblib"))
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_settings.gcp.storage_endpoint or "")
    monkeypatch.chdir(tmp_path)
    answer = serve(root, "gs://models/titanic/1", {"instances": [[0.0], [3.0]]})
    assert answer == {"predictions": [0, 1]}
    assert Path.cwd() == tmp_path  # the download did not leave the server in another folder


def test_without_the_package_rule_the_handlers_are_reported(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", MODEL_FN)
    result = migrate_project(root, rules=["LS007"])
    assert not result.changeset
    (note,) = [entry for entry in result.entries if entry.rule == "LS007"]
    assert "LS001" in note.message and note.path == "train.py"
