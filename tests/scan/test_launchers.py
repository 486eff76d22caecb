"""Launchers: SDK v2 estimators (and v1 names), SDK v3 ModelTrainer, notebooks."""

from __future__ import annotations

import json

from liftshift.scan import scan_project
from liftshift.scan.project import Unresolved
from tests.scan.conftest import MakeProject

TRAIN = 'import os\nmodel_dir = os.environ["SM_MODEL_DIR"]\n'


def test_constants_concatenation_fstrings_and_unresolved(make_project: MakeProject) -> None:
    root = make_project(
        {
            "src/train.py": TRAIN,
            "launch.py": """
                import sagemaker
                from sagemaker.pytorch import PyTorch
                from sagemaker.inputs import TrainingInput

                BUCKET = "my-bucket"
                PREFIX = "proj" + "/v2"
                session = sagemaker.Session()
                default_bucket = session.default_bucket()
                hyperparameters = {"epochs": 10, "lr": -0.5, "layers": [64, 32], "seed": SEED}

                estimator = PyTorch(
                    entry_point="train.py",
                    source_dir="src",
                    role=sagemaker.get_execution_role(),
                    framework_version="2.1",
                    py_version="py310",
                    train_instance_type="ml.g5.xlarge",
                    train_instance_count=2,
                    hyperparameters=hyperparameters,
                    output_path=f"s3://{default_bucket}/out",
                    checkpoint_s3_uri=f"s3://{BUCKET}/{PREFIX}/checkpoints",
                    distribution={"torch_distributed": {"enabled": True}},
                )
                estimator.fit(
                    {
                        "train": TrainingInput(
                            f"s3://{BUCKET}/{PREFIX}/train", content_type="text/csv"
                        ),
                        "val": "s3://" + BUCKET + "/val",
                    }
                )
            """,
        }
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.estimator == "sagemaker.pytorch.PyTorch"
    assert launcher.framework == "pytorch"
    assert launcher.instance_type == "ml.g5.xlarge"
    assert launcher.instance_count == 2
    assert launcher.role == Unresolved("sagemaker.get_execution_role()")
    assert launcher.role_kind == "execution-role"
    assert launcher.output_path == Unresolved('f"s3://{default_bucket}/out"')
    assert launcher.checkpoint_s3_uri == "s3://my-bucket/proj/v2/checkpoints"
    assert launcher.distribution == {"torch_distributed": {"enabled": True}}
    assert launcher.hyperparameters == {
        "epochs": 10,
        "lr": -0.5,
        "layers": [64, 32],
        "seed": Unresolved("SEED"),
    }
    assert [(c.name, c.uri, c.content_type) for c in launcher.channels] == [
        ("train", "s3://my-bucket/proj/v2/train", "text/csv"),
        ("val", "s3://my-bucket/val", None),
    ]
    assert [entry.path for entry in scan.entry_points] == ["src/train.py"]
    codes = [finding.code for finding in scan.findings]
    assert "hyperparameter-not-static" in codes
    assert codes.count("sdk-v1-argument") == 2


def test_bare_string_input_is_the_training_channel_and_pipe_mode(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": TRAIN,
            "launch.py": """
                from sagemaker.estimator import Estimator
                from sagemaker import image_uris

                image = image_uris.retrieve(framework="xgboost", version="1.7-1")
                Estimator(image, "arn:role", 1, "ml.m5.xlarge", entry_point="train.py",
                          input_mode="Pipe").fit("s3://data/xgb/")
            """,
        }
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.framework == "xgboost"
    assert launcher.framework_version == "1.7-1"
    assert launcher.role == "arn:role"
    assert launcher.role_kind == "arn"
    assert launcher.instance_type == "ml.m5.xlarge"
    assert [(c.name, c.uri) for c in launcher.channels] == [("training", "s3://data/xgb/")]
    assert "pipe-mode" in {finding.code for finding in scan.findings}


def test_set_hyperparameters_and_unresolved_inputs(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": TRAIN,
            "launch.py": """
                import sagemaker

                est = sagemaker.estimator.Estimator(image_uri="123.dkr.ecr/x:1", role="r",
                                                    instance_type="ml.c5.2xlarge",
                                                    entry_point="train.py")
                est.set_hyperparameters(max_depth=5, objective="binary:logistic")
                est.fit(inputs=make_inputs())
            """,
        }
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.hyperparameters == {"max_depth": 5, "objective": "binary:logistic"}
    assert launcher.channels == []
    assert "channels-not-static" in {finding.code for finding in scan.findings}


def test_sdk_v3_model_trainer(make_project: MakeProject) -> None:
    root = make_project(
        {
            "code/train.py": TRAIN,
            "launch.py": """
                from sagemaker.train import ModelTrainer
                from sagemaker.train.configs import Compute, InputData, S3DataSource, SourceCode

                source_code = SourceCode(source_dir="code", entry_script="train.py")
                trainer = ModelTrainer(
                    training_image="763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.2",
                    source_code=source_code,
                    compute=Compute(instance_type="ml.p4d.24xlarge", instance_count=1),
                    hyperparameters={"epochs": 3},
                )
                trainer.train(
                    input_data_config=[
                        InputData(channel_name="train", data_source="s3://b/train"),
                        InputData(
                            channel_name="test",
                            data_source=S3DataSource(s3_uri="s3://b/test", s3_data_type="S3Prefix"),
                        ),
                    ]
                )
            """,
        }
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.sdk_version == 3
    assert launcher.estimator == "sagemaker.train.ModelTrainer"
    assert launcher.framework == "pytorch"
    assert launcher.entry_point == "train.py"
    assert launcher.source_dir == "code"
    assert launcher.instance_type == "ml.p4d.24xlarge"
    assert launcher.hyperparameters == {"epochs": 3}
    assert [(c.name, c.uri) for c in launcher.channels] == [
        ("train", "s3://b/train"),
        ("test", "s3://b/test"),
    ]
    assert [entry.path for entry in scan.entry_points] == ["code/train.py"]
    assert scan.entry_points[0].referenced_by == [launcher.location]


def test_user_classes_with_estimator_names_are_not_launchers(make_project: MakeProject) -> None:
    root = make_project(
        {
            "model.py": """
                class TensorFlow:
                    def fit(self, data):
                        return data

                TensorFlow().fit({"train": "s3://x"})
            """
        }
    )
    assert scan_project(root).launchers == []


def _notebook(cells: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
                for kind, source in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_notebook_launcher_with_magics_and_constants_across_cells(
    make_project: MakeProject,
) -> None:
    notebook = _notebook(
        [
            ("code", "!pip install -q sagemaker\n%matplotlib inline"),
            ("markdown", "# Launch"),
            ("code", "import sagemaker\nfrom sagemaker.sklearn import SKLearn\nbucket = 'nb-b'"),
            (
                "code",
                "est = SKLearn(entry_point='train.py', instance_type='ml.m5.large',\n"
                "             framework_version='1.2-1')\n"
                "est.fit({'train': f's3://{bucket}/train'})\n"
                "est?",
            ),
        ]
    )
    root = make_project({"train.py": TRAIN, "launch.ipynb": notebook})
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.notebook_cell == 3
    assert launcher.location.path == "launch.ipynb"
    assert launcher.location.line == 1
    assert [(c.name, c.uri) for c in launcher.channels] == [("train", "s3://nb-b/train")]
    assert scan.entry_points[0].path == "train.py"


def test_notebook_cell_that_does_not_parse_is_reported(make_project: MakeProject) -> None:
    notebook = _notebook(
        [
            ("code", "def broken(:\n    pass"),
            ("code", "from sagemaker.sklearn import SKLearn\nSKLearn(entry_point='train.py')"),
        ]
    )
    root = make_project({"train.py": TRAIN, "launch.ipynb": notebook})
    scan = scan_project(root)
    assert len(scan.launchers) == 1
    (finding,) = [f for f in scan.findings if f.code == "parse-error"]
    assert finding.location.path == "launch.ipynb"
    assert "(cell 0)" in finding.message


def test_entry_point_missing(make_project: MakeProject) -> None:
    root = make_project(
        {
            "launch.py": """
                from sagemaker.sklearn import SKLearn
                SKLearn(entry_point="gone.py", instance_type="ml.m5.large").fit("s3://b/k")
            """
        }
    )
    scan = scan_project(root)
    assert scan.is_sagemaker_project
    (finding,) = [f for f in scan.findings if f.code == "entry-point-missing"]
    assert str(finding.location) == "launch.py:2:1"


def test_huggingface_versions(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": TRAIN,
            "launch.py": """
                from sagemaker.huggingface import HuggingFace
                HuggingFace(entry_point="train.py", transformers_version="4.36",
                            pytorch_version="2.1", py_version="py310",
                            instance_type="ml.g5.2xlarge").fit({"train": "s3://b/hf"})
            """,
        }
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert (launcher.framework, launcher.framework_version) == ("huggingface", "2.1")
    (note,) = [f for f in scan.findings if f.code == "huggingface-transformers"]
    assert "transformers==4.36" in note.message


def test_execution_role_kinds_and_findings(make_project: MakeProject) -> None:
    """A literal ARN (through a constant), a bare role name, ``get_execution_role()`` bound
    to a name, and an expression the scan cannot compute are each reported as what they are."""
    root = make_project(
        {
            "train.py": TRAIN,
            "launch.py": """
                import boto3
                import sagemaker
                from sagemaker.sklearn import SKLearn

                ROLE = "arn:aws:iam::123456789012:role/service-role/SageMakerRole"
                role = sagemaker.get_execution_role()
                SKLearn(entry_point="train.py", role=ROLE, instance_type="ml.m5.large")
                SKLearn(entry_point="train.py", role="SageMakerRole", instance_type="ml.m5.large")
                SKLearn(entry_point="train.py", role=role, instance_type="ml.m5.large")
                SKLearn(entry_point="train.py", role=boto3.client("iam").get_role(RoleName="r"),
                        instance_type="ml.m5.large")
            """,
        }
    )
    scan = scan_project(root)
    assert [(launcher.role_kind, launcher.role) for launcher in scan.launchers] == [
        ("arn", "arn:aws:iam::123456789012:role/service-role/SageMakerRole"),
        ("name", "SageMakerRole"),
        ("execution-role", Unresolved("sagemaker.get_execution_role()")),
        ("unresolved", Unresolved('boto3.client("iam").get_role(RoleName="r")')),
    ]
    roles = {(f.code, f.location.line) for f in scan.findings if f.code.startswith("role-")}
    assert roles == {("role-at-run-time", 9), ("role-not-static", 10)}
    data = json.loads(json.dumps(scan.to_dict()))
    assert data["launchers"][2]["role"] == {"unresolved": "sagemaker.get_execution_role()"}
    assert data["launchers"][2]["role_kind"] == "execution-role"
