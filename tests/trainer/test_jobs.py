"""The job spec follows the migrated-trainer contract exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.foundation.catalog.machines import UnmappableInstanceType
from liftshift.foundation.plan import ChannelPlan, Plan, format_hyperparameter
from liftshift.foundation.settings import Settings
from liftshift.trainer.jobs import (
    JobSpecError,
    TrainOverrides,
    build_job_spec,
    channel_dir_uri,
    custom_job_request,
    trainer_args,
)


def _plan() -> Plan:
    plan = Plan()
    plan.training.framework = "tensorflow"
    plan.training.framework_version = "2.14"
    plan.training.staging_bucket = "gs://stage/"
    plan.training.hyperparameters = {"epochs": 3, "lr": 0.1, "name": "cnn", "flag": True}
    plan.data.channels = [
        ChannelPlan(name="train", destination="gs://data/mnist/train", argument="--train"),
        ChannelPlan(name="test", destination="gs://data/t/test.csv", argument="--test"),
    ]
    return plan


def test_values_are_passed_as_sagemaker_does() -> None:
    assert format_hyperparameter("a b") == "a b"
    assert format_hyperparameter(3) == "3"
    assert format_hyperparameter(True) == "true"
    assert format_hyperparameter([1, "x"]) == '[1, "x"]'


def test_args_order_hyperparameters_channels_job_dir() -> None:
    plan = _plan()
    args = trainer_args(plan, plan.training.hyperparameters, "gs://stage/j/model")
    assert args == [
        "--epochs", "3", "--flag", "true", "--lr", "0.1", "--name", "cnn",
        "--train", "gs://data/mnist/train", "--test", "gs://data/t",
        "--job-dir", "gs://stage/j/model",
    ]  # fmt: skip


def test_a_one_letter_hyperparameter_is_passed_as_sagemaker_passes_it() -> None:
    """The toolkit's ``to_cmd_args``: ``-C 0.5``, not ``--C 0.5`` (a script declaring ``-C``
    works on SageMaker and must work here); longer keys keep ``--``; values stay values."""
    plan = _plan()
    hyperparameters = {"C": 0.5, "k": -1, "lr": -0.5, "max_iter": 100}
    args = trainer_args(plan, hyperparameters, "gs://stage/j/model")
    assert args[:8] == ["-C", "0.5", "-k", "-1", "--lr", "-0.5", "--max_iter", "100"]
    overrides = TrainOverrides(hyperparameters={"C": 2})
    spec = build_job_spec(plan, Settings(target="local"), overrides)
    assert list(spec.args[:2]) == ["-C", "2"] and "--C" not in spec.args


def test_single_object_channel_becomes_its_folder() -> None:
    assert channel_dir_uri("gs://b/titanic/train/train.csv") == "gs://b/titanic/train"
    assert channel_dir_uri("gs://b/titanic/train") == "gs://b/titanic/train"
    assert channel_dir_uri("gs://b/v1.2/") == "gs://b/v1.2"  # a trailing / means a folder
    assert channel_dir_uri("gs://bucket.with.dots") == "gs://bucket.with.dots"


def test_spec_and_request(tmp_path: Path) -> None:
    settings = Settings(target="gcp", project_dir=tmp_path / "mnist")
    spec = build_job_spec(_plan(), settings, TrainOverrides(region="europe-west4"), now=0, token="")
    assert spec.job_name == "mnist-19700101-000000"
    assert spec.base_output_dir == "gs://stage/liftshift/jobs/mnist-19700101-000000"
    assert spec.executor_image_uri.endswith("/tf-cpu.2-14.py310:latest")
    assert spec.prediction_container.endswith("/tf2-cpu.2-14:latest")
    request = custom_job_request(spec, "gs://stage/p.tar.gz")
    assert request["parent"] == "projects/<project>/locations/europe-west4"
    assert "scheduling" not in request["custom_job"]["job_spec"]


def test_accelerator_picks_gpu_image(tmp_path: Path) -> None:
    settings = Settings(target="gcp", project_dir=tmp_path)
    overrides = TrainOverrides(machine_type="n1-standard-8", accelerator="NVIDIA_TESLA_V100:2")
    spec = build_job_spec(_plan(), settings, overrides)
    assert "/tf-gpu.2-14.py310:" in spec.executor_image_uri
    assert spec.pools[0].machine.accelerator_count == 2


def test_instance_type_used_when_no_tier(tmp_path: Path) -> None:
    plan = _plan()
    plan.training.scale_tier = ""
    plan.training.sagemaker_instance_type = "ml.p3.2xlarge"
    plan.training.instance_count = 2
    spec = build_job_spec(plan, Settings(project_dir=tmp_path))
    assert spec.scale_summary() == (
        "chief: 1 x n1-highmem-8 + 1 x NVIDIA_TESLA_V100, "
        "worker: 1 x n1-highmem-8 + 1 x NVIDIA_TESLA_V100"
    )
    plan.training.sagemaker_instance_type = "ml.trn1.2xlarge"
    with pytest.raises(UnmappableInstanceType):
        build_job_spec(plan, Settings(project_dir=tmp_path))


def test_channel_without_argument_is_refused(tmp_path: Path) -> None:
    plan = _plan()
    plan.data.channels[0].argument = ""
    with pytest.raises(JobSpecError, match="no trainer argument"):
        build_job_spec(plan, Settings(project_dir=tmp_path))


def test_generic_estimator_needs_a_container(tmp_path: Path) -> None:
    plan = _plan()
    plan.training.framework = ""
    with pytest.raises(JobSpecError, match="custom container"):
        build_job_spec(plan, Settings(project_dir=tmp_path))
    plan.training.training_container = "us-docker.pkg.dev/me/trainer:1"
    assert build_job_spec(plan, Settings(project_dir=tmp_path)).executor_image_uri == (
        "us-docker.pkg.dev/me/trainer:1"
    )


def test_tpu_tier_says_which_image_it_needs(tmp_path: Path) -> None:
    spec = build_job_spec(
        _plan(), Settings(project_dir=tmp_path), TrainOverrides(scale_tier="BASIC_TPU")
    )
    assert "TPU training image" in spec.executor_note


def test_error_headline_is_the_exception_line() -> None:
    from liftshift.trainer.jobs import error_headline

    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/x/trainer/train.py", line 3, in <module>\n'
        "    import xgboost\n"
        "ModuleNotFoundError: No module named 'xgboost'\n"
    )
    assert error_headline(traceback) == "ModuleNotFoundError: No module named 'xgboost'"
    chained = (
        traceback
        + "\nDuring handling of the above exception, another exception occurred:\n\n"
        + traceback.replace("xgboost", "lightgbm")
    )
    assert error_headline(chained) == "ModuleNotFoundError: No module named 'lightgbm'"
    assert error_headline("the trainer exited with code 3:\nlast words") == (
        "the trainer exited with code 3:"
    )
    assert error_headline("") == ""


def test_a_missing_module_names_the_package_to_add() -> None:
    from liftshift.trainer.jobs import JobState, JobStatus

    error = (
        "Traceback (most recent call last):\n"
        '  File "/x/trainer/train.py", line 3, in <module>\n'
        "ModuleNotFoundError: No module named 'sklearn.ensemble'\n"
    )
    headline = JobStatus("j", JobState.FAILED, error).headline
    assert headline.startswith("ModuleNotFoundError: No module named 'sklearn.ensemble'")
    assert "add scikit-learn to requirements.txt" in headline
    assert "add xgboost to" in JobStatus("j", JobState.FAILED, error.replace(
        "sklearn.ensemble", "xgboost")).headline  # fmt: skip
    assert JobStatus("j", JobState.FAILED, "exited with code 3").headline == "exited with code 3"


def test_custom_machine_keeps_the_sagemaker_instance_count(tmp_path: Path) -> None:
    """The planner maps ml.* to a CUSTOM machine; a distributed launch (instance_count > 1)
    must still get its workers, not silently one replica."""
    plan = _plan()
    plan.training.scale_tier = "CUSTOM"
    plan.training.machine_type = "n1-standard-8"
    plan.training.instance_count = 3
    spec = build_job_spec(plan, Settings(project_dir=tmp_path))
    assert spec.scale_summary() == "chief: 1 x n1-standard-8, worker: 2 x n1-standard-8"
