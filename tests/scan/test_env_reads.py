"""Every way real training scripts read the SageMaker environment (DESIGN.md section 2)."""

from __future__ import annotations

import pytest

from liftshift.scan import scan_project
from tests.scan.conftest import MakeProject

CASES = {
    "argparse_default": """
        import argparse, os
        parser = argparse.ArgumentParser()
        parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
    """,
    "environ_subscript": """
        import os
        model_dir = os.environ["SM_MODEL_DIR"]
    """,
    "environ_get": """
        from os import environ
        model_dir = environ.get("SM_MODEL_DIR", "/tmp/model")
    """,
    "getenv": """
        import os as operating_system
        model_dir = operating_system.getenv("SM_MODEL_DIR")
    """,
    "helper_lambda": """
        import os
        get_env = lambda name: os.environ[name]  # noqa: E731
        model_dir = get_env("SM_MODEL_DIR")
    """,
    "json_loads": """
        import json, os
        hosts = json.loads(os.environ["SM_MODEL_DIR"])
    """,
    "helper": """
        import os

        def env(name, default=None):
            return os.environ.get(name, default)

        model_dir = env("SM_MODEL_DIR")
    """,
}


@pytest.mark.parametrize("style", sorted(CASES))
def test_env_read_style(make_project: MakeProject, style: str) -> None:
    root = make_project({"train.py": CASES[style]})
    (entry,) = scan_project(root).entry_points
    expected = style.partition("_lambda")[0]
    assert [(read.name, read.style) for read in entry.env_reads] == [("SM_MODEL_DIR", expected)]
    assert entry.env_reads[0].location.line > 0


def test_json_loads_inside_argparse_default_counts_as_argparse(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                import argparse, json, os
                parser = argparse.ArgumentParser()
                parser.add_argument("--hosts", default=json.loads(os.environ["SM_HOSTS"]))
            """
        }
    )
    (entry,) = scan_project(root).entry_points
    assert [(read.name, read.style) for read in entry.env_reads] == [
        ("SM_HOSTS", "argparse_default")
    ]
    (argument,) = entry.arguments
    assert argument.flags == ("--hosts",)
    assert argument.default_source == 'json.loads(os.environ["SM_HOSTS"])'


def test_wrapped_reads_inside_argparse_default(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                import argparse, os
                parser = argparse.ArgumentParser()
                parser.add_argument("--gpus", default=int(os.environ.get("SM_NUM_GPUS", 0)))
                parser.add_argument("--out", default=os.getenv("SM_OUTPUT_DATA_DIR") or "/tmp/out")
            """
        }
    )
    (entry,) = scan_project(root).entry_points
    assert [(read.name, read.style) for read in entry.env_reads] == [
        ("SM_NUM_GPUS", "argparse_default"),
        ("SM_OUTPUT_DATA_DIR", "argparse_default"),
    ]


def test_names_built_at_run_time_are_dynamic(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                import os
                for channel in ["train", "test"]:
                    path = os.environ[f"SM_CHANNEL_{channel.upper()}"]
                    other = os.environ.get("SM_CHANNEL_" + channel.upper())
            """
        }
    )
    scan = scan_project(root)
    (entry,) = scan.entry_points
    assert [(read.name, read.style) for read in entry.env_reads] == [
        ("SM_CHANNEL_{channel.upper()}", "dynamic"),
        ("SM_CHANNEL_{channel.upper()}", "dynamic"),
    ]
    assert [finding.code for finding in scan.findings].count("env-name-dynamic") == 2


def test_sagemaker_training_environment(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                from sagemaker_training import environment

                env = environment.Environment()
                print(env.channel_input_dirs["train"])
            """
        }
    )
    scan = scan_project(root)
    (entry,) = scan.entry_points
    assert [(read.name, read.style) for read in entry.env_reads] == [
        ("Environment()", "sagemaker_training"),
        ("SM_CHANNEL_TRAIN", "channel_input_dirs"),  # the channel it names (for the plan)
    ]
    codes = {finding.code for finding in scan.findings}
    assert {"sagemaker-training-env", "sagemaker-library"} <= codes


def test_opt_ml_literals_and_no_main_guard(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                import os, pickle
                import pandas as pd
                data = pd.read_csv("/opt/ml/input/data/train/data.csv")
                model = object()
                with open(os.path.join("/opt/ml/model", "model.pkl"), "wb") as handle:
                    pickle.dump(model, handle)
                out = f"/opt/ml/output/{1}"
            """
        }
    )
    scan = scan_project(root)
    (entry,) = scan.entry_points
    assert [ref.detail for ref in entry.opt_ml_paths] == [
        "/opt/ml/input/data/train/data.csv",
        "/opt/ml/model",
        "/opt/ml/output/",
    ]
    assert [ref.kind for ref in entry.model_saves] == ["pickle.dump"]
    assert {ref.kind for ref in entry.data_reads} == {"pandas.read_csv", "open"}
    assert entry.has_main_guard is False
    codes = [finding.code for finding in scan.findings]
    assert codes.count("opt-ml-path") == 3
    assert "no-main-guard" in codes


def test_non_sagemaker_environment_reads_are_ignored(make_project: MakeProject) -> None:
    root = make_project({"app.py": 'import os\nhome = os.environ["HOME"]\n'})
    scan = scan_project(root)
    assert scan.entry_points == []
    assert not scan.is_sagemaker_project


def test_inference_handlers_and_model_saves(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": """
                import os
                import torch

                def model_fn(model_dir):
                    return torch.load(os.path.join(model_dir, "model.pth"))

                def input_fn(request_body, request_content_type):
                    return request_body

                def predict_fn(data, model):
                    return model(data)

                if __name__ == "__main__":
                    net = object()
                    torch.save(net.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "m.pth"))
                    net.save_pretrained(os.environ["SM_MODEL_DIR"])
            """
        }
    )
    (entry,) = scan_project(root).entry_points
    assert [ref.kind for ref in entry.inference_handlers] == ["model_fn", "input_fn", "predict_fn"]
    assert [ref.kind for ref in entry.model_saves] == ["torch.save", "net.save_pretrained"]
    assert entry.has_main_guard


def test_names_looked_up_in_a_table_are_reads(make_project: MakeProject) -> None:
    root = make_project(
        {
            "utils/env.py": """
                import os


                def sm_path(kind, default=None):
                    names = {"model": "SM_MODEL_DIR", "train": "SM_CHANNEL_TRAIN"}
                    return os.environ.get(names[kind], default)
            """,
        }
    )
    scan = scan_project(root)
    (entry,) = scan.entry_points
    assert [(read.name, read.style) for read in entry.env_reads] == [
        ("SM_MODEL_DIR", "lookup"),
        ("SM_CHANNEL_TRAIN", "lookup"),
    ]
    assert "env-name-lookup" in {finding.code for finding in scan.findings}


def test_a_helper_building_the_name_from_its_parameter_reads_each_named_channel(
    make_project: MakeProject,
) -> None:
    root = make_project(
        {
            "train.py": """
            import os

            def channel(name):
                return os.environ.get(f"SM_CHANNEL_{name.upper()}", "/opt/ml/input/data")

            train = channel("train")
            test = channel("test")
            """
        }
    )
    (entry,) = scan_project(root).entry_points
    helper_reads = [(read.name, read.style) for read in entry.env_reads if read.style == "helper"]
    assert helper_reads == [("SM_CHANNEL_TRAIN", "helper"), ("SM_CHANNEL_TEST", "helper")]
