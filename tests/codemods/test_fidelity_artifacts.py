"""Issue 11 item 4: the one artifact a prediction container loads, where Vertex AI serves it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from liftshift.codemods.ls005_model_output import AUTOGLUON_TODO, RULE, UNSERVED_TODO
from tests.codemods.helpers import assert_codemod, helpers_free, run
from tests.codemods.vertexrun import migrate, run_job, write_project


def test_xgboost_model_saved_through_a_variable_is_renamed() -> None:
    assert_codemod(
        RULE,
        """\
        import xgboost as xgb
        model_location = model_dir + "/xgboost-model"
        booster.save_model(model_location)
        """,
        """\
        import xgboost as xgb
        model_location = model_dir + "/model.bst"
        booster.save_model(model_location)
        """,
    )


def test_pickle_through_with_open_is_renamed() -> None:
    assert_codemod(
        RULE,
        """\
        import pickle
        path = os.path.join(model_dir, "xgboost-model")
        with open(path, "wb") as f:
            pickle.dump(booster, f)
        """,
        """\
        import pickle
        path = os.path.join(model_dir, "model.pkl")
        with open(path, "wb") as f:
            pickle.dump(booster, f)
        """,
    )


def test_the_loader_of_the_renamed_file_loads_the_new_name() -> None:
    """model_fn joins the folder and the bare name: it follows the rename."""
    assert_codemod(
        RULE,
        """\
        import pickle as pkl
        model_location = model_dir + "/xgboost-model"
        pkl.dump(booster, open(model_location, "wb"))


        def load(model_dir):
            model_file = "xgboost-model"
            return pkl.load(open(os.path.join(model_dir, model_file), "rb"))
        """,
        """\
        import pickle as pkl
        model_location = model_dir + "/model.pkl"
        pkl.dump(booster, open(model_location, "wb"))


        def load(model_dir):
            model_file = "model.pkl"
            return pkl.load(open(os.path.join(model_dir, model_file), "rb"))
        """,
    )


def test_a_bare_model_name_is_not_renamed_elsewhere() -> None:
    out = run(RULE, 'import pickle\npickle.dump(clf, open(d + "/model", "wb"))\nkey = "model"\n')
    assert 'd + "/model.pkl"' in out and 'key = "model"' in out


def test_inference_module_loads_the_name_the_trainer_now_saves(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": """\
                import os
                import pickle

                model_location = os.environ["SM_MODEL_DIR"] + "/xgboost-model"
                pickle.dump({"w": 1}, open(model_location, "wb"))
            """,
            "inference.py": """\
                import os
                import pickle


                def model_fn(model_dir):
                    return pickle.load(open(os.path.join(model_dir, "xgboost-model"), "rb"))
            """,
        },
    )
    migrated = migrate(root, "train.py", {})  # also checks a second run changes nothing
    assert '"/model.pkl"' in migrated.text("trainer/task.py")
    assert '"model.pkl"' in migrated.text("trainer/inference.py")
    assert "xgboost-model" not in migrated.text("trainer/inference.py")


def test_a_vectoriser_keeps_its_name_and_the_model_gets_the_served_one() -> None:
    assert_codemod(
        RULE,
        """\
        import joblib
        joblib.dump(vectorizer, os.path.join(d, "vectorizer.pkl"))
        joblib.dump(clf, os.path.join(d, "clf.pkl"))
        """,
        """\
        import joblib
        joblib.dump(vectorizer, os.path.join(d, "vectorizer.pkl"))
        joblib.dump(clf, os.path.join(d, "model.joblib"))
        """,
    )


def test_an_existing_served_name_is_the_model_and_nothing_else_is_renamed() -> None:
    source = (
        "import joblib\njoblib.dump(enc, os.path.join(d, 'encoder.joblib'))\n"
        "joblib.dump(m, os.path.join(d, 'model.joblib'))\n"
    )
    assert run(RULE, source) == source


def test_what_cannot_be_made_servable_is_tagged() -> None:
    several = run(
        RULE,
        "import joblib\njoblib.dump(a, os.path.join(d, 'a.pkl'))\n"
        "joblib.dump(b, os.path.join(d, 'b.pkl'))\n",
    )
    assert "LS005: several artifacts are saved" in several
    built = run(RULE, "import joblib\njoblib.dump(model, args.output_path)\n")
    assert "LS005: the model is saved to a path built at run time" in built
    for out in (several, built):
        assert run(RULE, out) == out


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ('model_dir + "/1"', "model_dir"),
        ('f"{model_dir}/1"', 'f"{model_dir}"'),
        ('os.path.join(model_dir, "000000001")', "model_dir"),
        ('os.path.join(export_dir, "00001")', "export_dir"),
    ],
)
def test_tf_version_folders_are_dropped_in_one_run(path: str, expected: str) -> None:
    assert_codemod(
        RULE,
        f"import tensorflow as tf\ntf.saved_model.save(model, {path})\n",
        f"import tensorflow as tf\ntf.saved_model.save(model, {expected})\n",
    )


def test_version_folder_in_a_variable_and_in_an_opt_ml_literal(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": """\
            import os

            import tensorflow as tf

            export_path = os.path.join(os.environ["SM_MODEL_DIR"], "1")
            tf.saved_model.save(model, export_path)
            tf.saved_model.save(model, "/opt/ml/model/1")
            """
        },
    )
    task = migrate(root, "train.py", {}).text("trainer/task.py")  # idempotent in one run
    assert '"1"' not in task and "/1" not in task
    assert "tf.saved_model.save(model, export_path)" in task


def test_estimator_export_lands_at_the_model_folder_root() -> None:
    out = run(
        RULE,
        "import tensorflow as tf\nestimator.export_saved_model(args.job_dir, serving_input_fn)\n",
    )
    assert (
        "_liftshift_savedmodel_at_root(estimator.export_saved_model(args.job_dir, "
        "serving_input_fn))" in helpers_free(out)
    )
    assert "def _liftshift_savedmodel_at_root(export_path):" in out
    assert run(RULE, out) == out


def test_savedmodel_at_root_helper_moves_the_timestamped_export(tmp_path: Path) -> None:
    from liftshift.codemods.runtime import HELPERS

    export = tmp_path / "model" / "1700000000"
    (export / "variables").mkdir(parents=True)
    (export / "saved_model.pb").write_bytes(b"pb")
    namespace: dict = {}
    exec(HELPERS["_liftshift_savedmodel_at_root"], namespace)
    base = namespace["_liftshift_savedmodel_at_root"](str(export).encode())
    assert base == str(tmp_path / "model")
    assert (tmp_path / "model" / "saved_model.pb").is_file()
    assert (tmp_path / "model" / "variables").is_dir() and not export.exists()


def test_keras_h5_is_tagged() -> None:
    out = run(RULE, "import tensorflow as tf\nmodel.save(os.path.join(d, 'weights.h5'))\n")
    assert "LS005: a Keras h5 file is not what Vertex AI's TensorFlow prediction" in out


def test_vectoriser_project_on_the_local_contract(tmp_path: Path) -> None:
    """The model is model.joblib (what the sklearn container loads), the vectoriser keeps its
    name, and the output folder the trainer writes into exists."""
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "pattern_vectorizer_and_model.py"
    root = write_project(tmp_path / "project", {"train.py": corpus.read_text(encoding="utf-8")})
    migrated = migrate(root, "train.py", {"train": ""})
    assert not migrated.result.errors, migrated.result.errors
    data = tmp_path / "data"
    data.mkdir()
    rows = ["text,label", "good film,1", "bad film,0", "great plot,1", "awful plot,0"]
    (data / "reviews.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.joblib", "vectorizer.pkl"]
    assert (model_dir.parent / "output" / "data" / "classes.txt").read_text() == "0,1"
    check = "import joblib, sys; m = joblib.load(sys.argv[1]); print(type(m).__name__)"
    loaded = subprocess.run(
        [sys.executable, "-c", check, str(model_dir / "model.joblib")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "LogisticRegression"


@pytest.mark.slow
def test_tf_version_folder_project_serves_from_the_root(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": """\
            import os

            import tensorflow as tf


            class Doubler(tf.Module):
                @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
                def __call__(self, x):
                    return {"y": 2 * x}


            model = Doubler()
            tf.saved_model.save(model, os.path.join(os.environ["SM_MODEL_DIR"], "1"))
            """
        },
    )
    migrated = migrate(root, "train.py", {})
    completed, model_dir = run_job(migrated, {}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (model_dir / "saved_model.pb").is_file()
    assert not (model_dir / "1").exists()


def test_the_model_folder_is_created_like_sagemakers_was(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "train.py": """\
            import argparse
            import os

            import joblib

            parser = argparse.ArgumentParser()
            parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR"))
            args = parser.parse_args()
            joblib.dump({"weights": [1, 2]}, os.path.join(args.model_dir, "model.joblib"))
            """
        },
    )
    migrated = migrate(root, "train.py", {})
    assert "type=_liftshift_model_folder" in migrated.text("trainer/task.py")
    target = tmp_path / "not" / "yet" / "there"
    completed = subprocess.run(
        [sys.executable, "-m", "trainer.task", "--job-dir", str(target)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (target / "model.joblib").is_file()


def test_a_savedmodel_in_a_named_subfolder_is_tagged() -> None:
    out = run(
        RULE,
        "import tensorflow as tf\n"
        "tf.saved_model.save(m, os.path.join(args.job_dir, 'export', '1'))\n",
    )
    assert "tf.saved_model.save(m, os.path.join(args.job_dir, 'export'))" in out
    assert "LS005: the SavedModel goes to a subfolder of the model folder" in out
    assert run(RULE, out) == out


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("import torch\ntorch.onnx.export(model, x, path)\n", "an ONNX model"),
        ("import torch\ntorch.jit.save(scripted, path)\n", "a TorchScript file"),
        ("import mxnet as mx\nnet.export(os.path.join(model_dir, 'model'))\n", "an MXNet model"),
        ("from catboost import CatBoostClassifier\nmodel.save_model(path)\n", "a CatBoost model"),
        ("import lightgbm as lgb\nimport pickle\npickle.dump(booster, out)\n", "a LightGBM model"),
    ],
)
def test_a_format_no_prebuilt_container_loads_is_tagged_at_its_save(source: str, what: str) -> None:
    out = run(RULE, source)
    todos = [line for line in out.splitlines() if "TODO(liftshift)" in line]
    assert todos == [f"# TODO(liftshift): LS005: {UNSERVED_TODO.format(what=what)}"]
    assert run(RULE, out) == out


def test_data_files_of_an_mxnet_trainer_are_not_tagged() -> None:
    source = (
        "import json\nimport mxnet as mx\nimport numpy as np\n\njson.dump(m, f)\nnp.save(p, a)\n"
    )
    assert run(RULE, source) == source


def test_a_pickled_booster_named_model_bin_becomes_model_pkl() -> None:
    assert_codemod(
        RULE,
        """\
        import pickle as pkl
        import xgboost as xgb
        pkl.dump(bst, open(model_dir + "/model.bin", "wb"))
        """,
        """\
        import pickle as pkl
        import xgboost as xgb
        pkl.dump(bst, open(model_dir + "/model.pkl", "wb"))
        """,
    )
    unchanged = 'import pickle\npickle.dump(bst, open(model_dir + "/model.bin", "wb"))\n'
    assert run(RULE, unchanged) == unchanged  # no xgboost: not known to be a booster


def test_an_autogluon_predictor_is_tagged_where_it_is_built() -> None:
    source = (
        "from autogluon.tabular import TabularPredictor\n\n"
        "predictor = TabularPredictor(label='y', path=model_dir).fit(train)\n"
        "loaded = TabularPredictor.load(model_dir)\n"
    )
    out = run(RULE, source)
    assert out.count("TODO(liftshift)") == 1
    assert f"# TODO(liftshift): LS005: {AUTOGLUON_TODO}\npredictor = TabularPredictor(" in out
    assert run(RULE, out) == out
    no_autogluon = "predictor = TabularPredictor(label='y').fit(train)\n"
    assert run(RULE, no_autogluon) == no_autogluon
