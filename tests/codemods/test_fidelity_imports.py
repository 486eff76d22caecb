"""Issue 11 item 5: no SageMaker-only import left where the job would die on it, untagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.codemods.envrewrite import SERVING_BLOCKER
from liftshift.codemods.ls003_sm_env import RULE
from tests.codemods.helpers import assert_codemod, helpers_free, run
from tests.codemods.vertexrun import migrate, run_job, write_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SERVING_TODO = "# TODO(liftshift): LS003: " + SERVING_BLOCKER.format(
    root="sagemaker_inference", handler="input_fn"
)


def test_serving_only_imports_move_into_the_handlers() -> None:
    assert_codemod(
        RULE,
        """\
        import os

        from sagemaker_inference import decoder


        def input_fn(request_body, request_content_type):
            \"\"\"Decode.\"\"\"
            return decoder.decode(request_body, request_content_type)
        """,
        """\
        import os


        def input_fn(request_body, request_content_type):
            \"\"\"Decode.\"\"\"
            {TODO}
            from sagemaker_inference import decoder
            return decoder.decode(request_body, request_content_type)
        """.replace("{TODO}", SERVING_TODO),
    )


def test_debugger_hooks_are_removed_with_their_statements() -> None:
    assert_codemod(
        RULE,
        """\
        import smdebug.pytorch as smd
        import torch

        model = torch.nn.Linear(1, 1)
        hook = smd.Hook.create_from_json_file()
        hook.register_module(model)
        print(model)
        """,
        """\
        import torch

        model = torch.nn.Linear(1, 1)
        print(model)
        """,
    )


def test_debugger_used_in_a_condition_is_tagged_not_removed() -> None:
    out = run(
        RULE,
        "import smdebug.pytorch as smd\nhook = smd.get_hook()\nif hook:\n    print(1)\n",
    )
    assert "import smdebug.pytorch as smd" in out
    assert "LS003: blocker: SageMaker Debugger (smdebug) is not on Vertex AI" in out
    assert run(RULE, out) == out


def test_a_hook_passed_to_training_keeps_the_training_and_is_tagged() -> None:
    """``bst = xgboost.train(…, callbacks=[hook])`` is the training, not a debugger line: it
    and the save of ``bst`` stay; smdebug cannot go, so its import is tagged."""
    source = (
        "import pickle\n\nimport xgboost\nfrom smdebug.xgboost import Hook\n\n"
        "hook = Hook(out_dir='/tmp/debug')\n"
        "bst = xgboost.train(params, dtrain, callbacks=[hook])\n"
        "pickle.dump(bst, open(path, 'wb'))\n"
    )
    out = run(RULE, source)
    assert "bst = xgboost.train(params, dtrain, callbacks=[hook])" in out
    assert "pickle.dump(bst, open(path, 'wb'))" in out
    assert "hook = Hook(out_dir='/tmp/debug')" in out
    assert "LS003: blocker: SageMaker Debugger (smdebug) is not on Vertex AI" in out
    assert run(RULE, out) == out


def test_get_dmatrix_becomes_an_xgboost_dmatrix_over_the_channel() -> None:
    out = run(
        RULE,
        "from sagemaker_xgboost_container.data_utils import get_dmatrix\n\n"
        "dtrain = get_dmatrix(train_dir, 'csv')\n",
    )
    assert "sagemaker_xgboost_container" not in out
    assert "dtrain = _liftshift_dmatrix(train_dir, 'csv')" in helpers_free(out)
    assert "def _liftshift_dmatrix(" in out
    assert run(RULE, out) == out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import sagemaker\nsession = sagemaker.Session()\n", "blocker: the sagemaker SDK"),
        (
            "from sagemaker_xgboost_container import distributed\ndistributed.rabit_run()\n",
            "blocker: sagemaker_xgboost_container only exists in SageMaker containers",
        ),
        ("import smexperiments\n", "blocker: SageMaker Experiments"),
    ],
)
def test_the_rest_is_tagged_at_the_import_as_a_blocker(source: str, message: str) -> None:
    out = run(RULE, source)
    assert f"# TODO(liftshift): LS003: {message}" in out
    assert run(RULE, out) == out


def test_optional_imports_are_fine() -> None:
    source = "try:\n    import smdebug\nexcept ImportError:\n    smdebug = None\n"
    assert run(RULE, source) == source


def test_an_import_in_a_handler_is_tagged_for_serving() -> None:
    """The job never calls a handler, but LS007's predictor does when Vertex AI serves."""
    source = "def model_fn(model_dir):\n    import sagemaker_inference\n    return model_dir\n"
    out = run(RULE, source)
    assert (
        "    # TODO(liftshift): LS003: sagemaker_inference is not installed where Vertex AI "
        "serves the model; LS007's predictor calls model_fn" in out
    )
    assert run(RULE, out) == out


def test_a_nested_smddp_backend_import_goes() -> None:
    assert_codemod(
        RULE,
        """\
        try:
            backend = "smddp"
            import smdistributed.dataparallel.torch.torch_smddp
        except ModuleNotFoundError:
            backend = "nccl"


        def setup():
            try:
                import smdistributed.dataparallel.torch.torch_smddp
            except ImportError:
                print("no smddp")
        """,
        """\
        try:
            backend = "nccl"
        except ModuleNotFoundError:
            backend = "nccl"


        def setup():
            try:
                pass
            except ImportError:
                print("no smddp")
        """,
    )


def test_dmatrix_helper_reads_csv_and_libsvm(tmp_path: Path) -> None:
    xgboost = pytest.importorskip("xgboost")
    from liftshift.codemods.runtime import HELPERS

    namespace: dict = {}
    exec(HELPERS["_liftshift_dmatrix"], namespace)
    dmatrix = namespace["_liftshift_dmatrix"]
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "a.csv").write_text("1,0.5,2\n0,0.1,3\n", encoding="utf-8")
    assert isinstance(dmatrix(str(tmp_path / "csv"), "text/csv"), xgboost.DMatrix)
    assert dmatrix(str(tmp_path / "missing"), "csv") is None


def test_sagemaker_imports_trainer_runs_on_the_local_contract(tmp_path: Path) -> None:
    """smdebug and sagemaker_inference are not installed here, as on Vertex AI: the migrated
    trainer still imports, trains and saves its model."""
    source = (CORPUS / "pattern_sagemaker_imports.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""})
    assert not migrated.result.errors, migrated.result.errors
    task = migrated.text("trainer/task.py")
    assert "smdebug" not in task and "hook" not in task
    assert "    from sagemaker_inference import content_types, decoder\n" in task
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text("1,1\n2,2\n3,3\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "fitted 3" in completed.stdout
    assert (model_dir / "model.joblib").is_file()


def test_blockers_are_listed_in_the_report(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project", {"train.py": "import sagemaker\n\nsagemaker.Session()\n"}
    )
    result = migrate(root, "train.py", {}).result
    assert [entry.line for entry in result.blockers] == [1]  # the TODO above the import
    assert result.to_dict()["blockers"] == [str(result.blockers[0])]
