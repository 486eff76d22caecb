"""plan_from_scan: the proposed liftshift.toml for each example, and user edits winning."""

from __future__ import annotations

import shutil
from pathlib import Path

from liftshift.foundation.plan import Plan, load_plan, save_plan
from liftshift.migrator.planner import plan_from_scan, propose, s3_to_gs
from liftshift.scan import scan_project
from tests.scan.conftest import EXAMPLES, MakeProject


def test_titanic_plan() -> None:
    plan = plan_from_scan(scan_project(EXAMPLES / "titanic-sklearn"))
    assert plan.target.name == "local"
    assert plan.target.region == "us-central1"
    assert plan.code.entry_point == "train.py"
    assert plan.code.source_dir == "."
    assert plan.code.module == "trainer.train"
    assert plan.code.launchers == ["launch.py"]
    training = plan.training
    assert (training.framework, training.framework_version) == ("sklearn", "1.2-1")
    assert training.sagemaker_instance_type == "ml.m4.xlarge"
    assert (training.scale_tier, training.machine_type) == ("CUSTOM", "n1-standard-4")
    assert training.training_container.startswith("us-docker.pkg.dev/vertex-ai/training/sklearn-")
    assert plan.model.prediction_container.startswith(
        "us-docker.pkg.dev/vertex-ai/prediction/sklearn-"
    )
    assert training.hyperparameters["n-estimators"] == 200
    assert training.staging_bucket == "gs://acme-ml-datasets"
    assert plan.model.display_name == "titanic-sklearn"
    train, test = plan.data.channels
    assert train.name == "train"
    assert train.source == "s3://acme-ml-datasets/titanic/train/train.csv"
    assert train.destination == "gs://acme-ml-datasets/titanic/train/train.csv"
    assert train.argument == "--train"
    assert train.sample_data == "data/train/train.csv"
    assert (test.argument, test.sample_data) == ("--test", "data/test/test.csv")
    # the execution role `liftshift iam` reads; the account itself is mapped later
    assert plan.iam.source_role == (
        "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-20240101T000000"
    )
    assert (plan.iam.service_account, plan.iam.grants) == ("", [])
    assert plan.model.serving == "cpr"  # train.py defines model_fn, input_fn, predict_fn, …


def test_mnist_plan_maps_the_gpu_instance() -> None:
    proposal = propose(scan_project(EXAMPLES / "mnist-tensorflow"))
    training = proposal.plan.training
    assert training.machine_type == "n1-highmem-8"
    assert (training.accelerator_type, training.accelerator_count) == ("NVIDIA_TESLA_V100", 1)
    assert "tf-gpu" in training.training_container
    assert [(c.name, c.argument, c.sample_data) for c in proposal.plan.data.channels] == [
        ("train", "--train", "data/train"),
        ("eval", "--eval", "data/eval"),
    ]
    assert proposal.plan.code.module == "trainer.task"
    assert proposal.plan.model.serving == "prebuilt"  # no inference handlers


def test_existing_values_win(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project)
    scan = scan_project(project)
    save_plan(plan_from_scan(scan), project)
    edited = load_plan(project)
    edited.training.machine_type = "n2-standard-16"
    edited.target.name = "gcp"
    edited.data.channels[0].destination = "gs://elsewhere/train"
    again = plan_from_scan(scan, existing=edited)
    assert again.training.machine_type == "n2-standard-16"
    assert again.target.name == "gcp"
    assert again.data.channels[0].destination == "gs://elsewhere/train"
    assert again.training.framework == "sklearn"


def test_unmappable_instance_and_generic_estimator(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": 'import os\nd = os.environ["SM_MODEL_DIR"]\n',
            "launch.py": """
                from sagemaker.estimator import Estimator
                Estimator(image_uri="123.dkr.ecr/custom:1", role="r", instance_count=1,
                          instance_type="ml.trn1.2xlarge", entry_point="train.py",
                          hyperparameters={"a": 1, "b": some_value}).fit("s3://b/k/")
            """,
        }
    )
    proposal = propose(scan_project(root))
    plan = proposal.plan
    assert plan.training.scale_tier == "BASIC"
    assert plan.training.machine_type == ""
    assert plan.training.training_container == ""
    assert plan.training.hyperparameters == {"a": 1}
    assert [c.name for c in plan.data.channels] == ["training"]
    notes = " ".join(proposal.notes)
    assert "trn1" in notes
    assert "'b' is not static" in notes
    assert "container" in notes


def test_entry_point_without_launcher(make_project: MakeProject) -> None:
    root = make_project({"src/train.py": 'import os\nd = os.environ["SM_CHANNEL_TRAIN"]\n'})
    plan = plan_from_scan(scan_project(root))
    assert plan.code.entry_point == "src/train.py"
    assert plan.code.source_dir == "src"
    assert [(c.name, c.source) for c in plan.data.channels] == [("train", "")]  # read, no URI
    assert isinstance(plan, Plan)


def test_handlers_in_a_separate_inference_module_choose_cpr(make_project: MakeProject) -> None:
    root = make_project(
        {
            "src/train.py": 'import os\nd = os.environ["SM_CHANNEL_TRAIN"]\n',
            "src/code/inference.py": "def model_fn(model_dir):\n    return model_dir\n",
        }
    )
    proposal = propose(scan_project(root))
    assert proposal.plan.model.serving == "cpr"
    assert any('model.serving = "cpr"' in note for note in proposal.notes)


def test_handlers_without_model_fn_stay_prebuilt(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": 'import os\nd = os.environ["SM_CHANNEL_TRAIN"]\n\n\n'
            "def predict_fn(data, model):\n    return model.predict(data)\n"
        }
    )
    assert plan_from_scan(scan_project(root)).model.serving == "prebuilt"


def test_s3_to_gs() -> None:
    assert s3_to_gs("s3://b/a/b.csv") == "gs://b/a/b.csv"
    assert s3_to_gs("/local/path") == ""


def test_distributed_launch_is_mapped_and_explained(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": 'import os\nd = os.environ["SM_CHANNEL_TRAIN"]\n',
            "launch.py": """
            from sagemaker.tensorflow import TensorFlow

            est = TensorFlow(
                entry_point="train.py",
                framework_version="2.14",
                py_version="py310",
                instance_type="ml.m5.xlarge",
                instance_count=3,
                distribution={"parameter_server": {"enabled": True}},
            )
            est.fit({"train": "s3://b/train"})
            """,
        }
    )
    proposal = propose(scan_project(root))
    assert proposal.plan.training.instance_count == 3
    assert proposal.plan.training.parameter_servers == 3
    wanted = "distribution parameter_server: chief + 2 worker(s) + 3 parameter server(s)"
    assert any(note.startswith(wanted) for note in proposal.notes), proposal.notes


def test_without_a_launcher_channels_come_from_helpers_and_the_toolkit_environment(
    make_project: MakeProject,
) -> None:
    """A helper that builds ``SM_CHANNEL_{name.upper()}`` and the toolkit's
    ``env.channel_input_dirs["test"]`` name their channels, so the plan has them (and the
    migration records the flags it gives them)."""
    root = make_project(
        {
            "train.py": """
            import os
            from sagemaker_training import environment

            def channel(name):
                return os.environ.get(f"SM_CHANNEL_{name.upper()}", "/opt/ml/input/data")

            env = environment.Environment()
            if __name__ == "__main__":
                print(channel("train"), env.channel_input_dirs["test"], env.model_dir)
            """
        }
    )
    plan = propose(scan_project(root)).plan
    assert sorted(channel.name for channel in plan.data.channels) == ["test", "train"]
