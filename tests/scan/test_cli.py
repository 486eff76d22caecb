"""``liftshift scan`` and ``liftshift plan`` end to end: exit codes, JSON schema, plan file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.plan import load_plan
from tests.scan.conftest import EXAMPLES, MakeProject

TOP_KEYS = {
    "schema_version",
    "root",
    "launchers",
    "entry_points",
    "findings",
    "past_jobs",
    "files_scanned",
    "migrated_module",
}


def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_scan_json_over_the_titanic_example() -> None:
    code, out, _ = run("scan", str(EXAMPLES / "titanic-sklearn"), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == TOP_KEYS
    assert data["schema_version"] == 1
    (launcher,) = data["launchers"]
    assert launcher["instance_type"] == "ml.m4.xlarge"
    assert len(launcher["hyperparameters"]) == 3
    assert [channel["name"] for channel in launcher["channels"]] == ["train", "test"]
    assert set(data["findings"][0]) == {"code", "message", "severity", "location"}


def test_scan_json_marks_unresolved_values(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": 'import os\nd = os.environ["SM_MODEL_DIR"]\n',
            "launch.py": """
                import sagemaker
                from sagemaker.sklearn import SKLearn
                bucket = sagemaker.Session().default_bucket()
                SKLearn(entry_point="train.py").fit({"train": f"s3://{bucket}/train"})
            """,
        }
    )
    code, out, _ = run("scan", str(root), "--json")
    assert code == 0
    (channel,) = json.loads(out)["launchers"][0]["channels"]
    assert channel["uri"] == {"unresolved": 'f"s3://{bucket}/train"'}


def test_scan_human_report_over_the_tensorflow_example() -> None:
    code, out, _ = run("scan", str(EXAMPLES / "mnist-tensorflow"))
    assert code == 0
    for text in ("Launchers", "Channels", "Hyperparameters", "Execution roles", "Findings"):
        assert text in out
    assert "role ARN" in out
    assert "tf-model-dir-s3" in out
    assert "sibling-import" in out


def test_scan_non_sagemaker_folder_exits_1(make_project: MakeProject) -> None:
    root = make_project({"app.py": "print('hello')\n"})
    code, out, err = run("scan", str(root))
    assert code == 1
    assert "no SageMaker project" in err
    code, out, err = run("scan", str(root), "--json")
    assert code == 1
    assert json.loads(out)["launchers"] == []


def test_scan_bad_path_exits_2(tmp_path: Path) -> None:
    code, _, err = run("scan", str(tmp_path / "missing"))
    assert code == 2
    assert "does not exist" in err


def test_plan_writes_a_readable_plan_and_keeps_user_edits(tmp_path: Path) -> None:
    project = tmp_path / "titanic"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project)
    code, out, _ = run("plan", str(project))
    assert code == 0
    assert "liftshift.toml" in out
    plan = load_plan(project)
    assert plan.code.entry_point == "train.py"
    assert plan.training.machine_type == "n1-standard-4"
    assert [channel.argument for channel in plan.data.channels] == ["--train", "--test"]

    path = project / "liftshift.toml"
    edited = path.read_text().replace(
        'machine_type = "n1-standard-4"', 'machine_type = "n2-standard-8"'
    )
    path.write_text("# my note\n" + edited)
    code, out, _ = run("plan", str(project))
    assert code == 0
    assert "edits kept" in out
    text = path.read_text()
    assert text.startswith("# my note\n")
    assert load_plan(project).training.machine_type == "n2-standard-8"


def test_plan_refuses_a_broken_plan_file(tmp_path: Path) -> None:
    project = tmp_path / "titanic"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project)
    (project / "liftshift.toml").write_text("this is = = not toml\n")
    code, _, err = run("plan", str(project))
    assert code == 1
    assert "not valid TOML" in err
    assert (project / "liftshift.toml").read_text() == "this is = = not toml\n"


def test_plan_non_sagemaker_folder_exits_1(make_project: MakeProject) -> None:
    root = make_project({"app.py": "print('hello')\n"})
    code, _, err = run("plan", str(root))
    assert code == 1
    assert "no SageMaker project" in err
    assert not (root / "liftshift.toml").exists()


@pytest.fixture
def training_job(s3_server) -> tuple[str, dict[str, str | None]]:  # type: ignore[no-untyped-def]
    """A finished-looking training job in moto's server (moto serves SageMaker too)."""
    import boto3

    from tests.fixtures.emulators import AWS_TEST_ENV, reset_moto

    reset_moto(s3_server)
    client = boto3.client(
        "sagemaker",
        endpoint_url=s3_server.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_training_job(
        TrainingJobName="titanic-rf-2024-01-01",
        HyperParameters={
            "n-estimators": "300",
            "target": '"Survived"',
            "sagemaker_program": '"train.py"',
        },
        AlgorithmSpecification={
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/"
            "sagemaker-scikit-learn:1.2-1",
            "TrainingInputMode": "File",
        },
        RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://acme-ml-datasets/titanic/train/train.csv",
                    }
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": "s3://acme-ml-datasets/titanic/models"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    env: dict[str, str | None] = {**AWS_TEST_ENV, "AWS_ENDPOINT_URL": s3_server.url}
    env.update(AWS_PROFILE=None, AWS_ENDPOINT_URL_S3=None)  # None unsets it in CliRunner
    return "titanic-rf-2024-01-01", env


def test_scan_from_job_merges_a_past_training_job(
    training_job: tuple[str, dict[str, str | None]],
) -> None:
    name, env = training_job
    code, out, _ = run(
        "scan", str(EXAMPLES / "titanic-sklearn"), "--json", "--from-job", name, env=env
    )
    assert code == 0
    data = json.loads(out)
    (job,) = data["past_jobs"]
    assert job["name"] == name
    assert job["instance_type"] == "ml.m5.xlarge"
    assert job["hyperparameters"] == {"n-estimators": 300, "target": "Survived"}
    assert job["channels"][0]["uri"] == "s3://acme-ml-datasets/titanic/train/train.csv"
    assert job["output_path"] == "s3://acme-ml-datasets/titanic/models"
    assert job["role"] == "arn:aws:iam::123456789012:role/SageMakerRole"
    (differs,) = [f for f in data["findings"] if f["code"] == "past-job-differs"]
    assert "ml.m4.xlarge vs ml.m5.xlarge" in differs["message"]


def test_scan_from_unknown_job_is_one_clear_error(
    training_job: tuple[str, dict[str, str | None]],
) -> None:
    _, env = training_job
    code, _, err = run("scan", str(EXAMPLES / "titanic-sklearn"), "--from-job", "nope", env=env)
    assert code == 1
    assert "nope" in err
    assert "Traceback" not in err


def test_plan_from_job_alone(
    training_job: tuple[str, dict[str, str | None]], make_project: MakeProject
) -> None:
    name, env = training_job
    root = make_project({"notes.md": "the launcher notebook is lost\n"})
    code, out, _ = run("plan", str(root), "--from-job", name, env=env)
    assert code == 0, out
    plan = load_plan(root)
    assert plan.training.sagemaker_instance_type == "ml.m5.xlarge"
    assert plan.training.hyperparameters == {"n-estimators": 300, "target": "Survived"}
    assert plan.data.channels[0].destination == "gs://acme-ml-datasets/titanic/train/train.csv"


def test_a_migrated_project_scans_as_migrated(tmp_path: Path) -> None:
    """After `migrate --apply` the launcher names trainer/train.py (LS006 keeps it working
    on SageMaker): the scan finds the migrated module there, with no error."""
    project = tmp_path / "titanic"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project, ignore=shutil.ignore_patterns(".*"))
    code, _, err = run("migrate", str(project), "--apply")
    assert code == 0, err
    code, out, _ = run("scan", str(project), "--json")
    findings = json.loads(out)["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []
    assert [entry["path"] for entry in json.loads(out)["entry_points"]] == ["trainer/train.py"]
