"""SageMaker's distributed launches mapped to Vertex AI worker pools (issue 11, item 6): the
plan records the mapping, the CustomJob carries the pools at the positions that give their
roles, a launch Vertex AI cannot start runs on one replica (and more is refused), and the scan,
the plan and the job say which mapping was made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liftshift.foundation.catalog.launches import LAUNCHES, launch_of
from liftshift.foundation.plan import Plan, PlanContext, load_plan, plan_problems, save_plan
from liftshift.foundation.settings import Settings
from liftshift.migrator.planner import propose
from liftshift.scan import scan_project
from liftshift.trainer import service
from liftshift.trainer.backends.vertex import VertexBackend
from liftshift.trainer.jobs import (
    JobSpecError,
    JobState,
    StepProgress,
    TrainOverrides,
    build_job_spec,
    worker_pool_specs,
)
from liftshift.trainer.monitor import Backoff
from tests.fakes.vertex import FakeVertex
from tests.trainer.conftest import toy_plan


@pytest.mark.parametrize(
    ("distribution", "kind"),
    [
        ({"parameter_server": {"enabled": True}}, "parameter_server"),
        ({"multi_worker_mirrored_strategy": {"enabled": True}}, "multi_worker_mirrored_strategy"),
        ({"pytorchddp": {"enabled": True}}, "pytorchddp"),
        ({"torch_distributed": {"enabled": True}}, "torch_distributed"),
        ({"smdistributed": {"dataparallel": {"enabled": True}}}, "smdistributed_dataparallel"),
        (
            {
                "smdistributed": {"modelparallel": {"enabled": True, "parameters": {}}},
                "mpi": {"enabled": True, "processes_per_host": 8},
            },
            "smdistributed_modelparallel",
        ),
        ({"mpi": {"enabled": True, "processes_per_host": 4}}, "mpi"),
        ({"mpi": {"enabled": False}}, None),
        ({"instance_groups": []}, None),
        (None, None),
    ],
)
def test_each_sagemaker_launch_has_one_mapping(distribution: object, kind: str | None) -> None:
    launch = launch_of(distribution)
    assert (launch.kind if launch else None) == kind


def _plan(kind: str, instance_count: int, parameter_servers: int = 0) -> Plan:
    plan = toy_plan()
    plan.training.framework = "pytorch"
    plan.training.framework_version = "2.1"
    plan.training.scale_tier = "CUSTOM"
    plan.training.machine_type = "n1-standard-8"
    plan.training.accelerator_type = "NVIDIA_TESLA_T4"
    plan.training.accelerator_count = 1
    plan.training.instance_count = instance_count
    plan.training.distribution = kind
    plan.training.parameter_servers = parameter_servers
    return plan


def _pools(plan: Plan) -> list[dict]:
    spec = build_job_spec(plan, Settings(target="gcp"), token="")
    return worker_pool_specs(spec, "gs://b/trainer.tar.gz")


def test_parameter_server_is_chief_workers_and_parameter_servers_in_vertex_order() -> None:
    pools = _pools(_plan("parameter_server", 3, parameter_servers=3))
    assert [pool["replica_count"] for pool in pools] == [1, 2, 3]
    assert all(pool["machine_spec"]["machine_type"] == "n1-standard-8" for pool in pools)


def test_parameter_servers_without_workers_leave_pool_1_empty() -> None:
    """Vertex AI reads a pool's role from its position: parameter servers are always [2]."""
    pools = _pools(_plan("parameter_server", 1, parameter_servers=2))
    assert pools[1] == {}
    assert [pools[0]["replica_count"], pools[2]["replica_count"]] == [1, 2]


@pytest.mark.parametrize("kind", ["pytorchddp", "torch_distributed", "smdistributed_dataparallel"])
def test_pytorch_launches_are_one_chief_and_n_minus_one_workers(kind: str) -> None:
    spec = build_job_spec(_plan(kind, 4), Settings(target="gcp"), token="")
    assert [(p.role, p.replica_count) for p in spec.pools] == [("chief", 1), ("worker", 3)]
    assert spec.distribution == kind
    assert spec.distribution_note.startswith(f"distribution {kind}: chief + workers")
    assert "MASTER_ADDR" in spec.distribution_note


@pytest.mark.parametrize("kind", ["mpi", "smdistributed_modelparallel"])
def test_a_launch_vertex_cannot_start_runs_on_one_replica_and_refuses_more(kind: str) -> None:
    spec = build_job_spec(_plan(kind, 1), Settings(target="gcp"), token="")
    assert [(p.role, p.replica_count) for p in spec.pools] == [("chief", 1)]
    assert "one replica" in spec.distribution_note
    with pytest.raises(JobSpecError) as refused:
        build_job_spec(_plan(kind, 3), Settings(target="gcp"), token="")
    message = str(refused.value)
    assert "\n" not in message
    assert f"training.distribution = {kind!r}" in message
    assert "3 replicas would each train alone" in message
    assert "training.instance_count = 1" in message


def test_the_plan_checks_the_launch_values() -> None:
    plan = Plan()
    plan.training.distribution = "horovod"
    plan.training.parameter_servers = -1
    problems = plan_problems(plan, PlanContext(path=Path("liftshift.toml"), project_dir=Path(".")))
    assert any("training.distribution: 'horovod' is not a launch" in p for p in problems)
    assert any("training.parameter_servers: -1 must be 0 or more" in p for p in problems)
    assert set(LAUNCHES) >= {"parameter_server", "mpi", "pytorchddp"}


LAUNCHER = """
from sagemaker.{module} import {cls}

estimator = {cls}(
    entry_point="train.py",
    role="arn:aws:iam::111122223333:role/SageMakerRole",
    instance_type="ml.p3.2xlarge",
    instance_count=4,
    framework_version="{version}",
    py_version="py310",
    distribution={distribution},
)
estimator.fit({{"train": "s3://bucket/train"}})
"""

TRAIN = """
import argparse, os
parser = argparse.ArgumentParser()
parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
args = parser.parse_args()
"""


def _project(tmp_path: Path, distribution: str, *, tensorflow: bool = False) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    launcher = LAUNCHER.format(
        module="tensorflow" if tensorflow else "pytorch",
        cls="TensorFlow" if tensorflow else "PyTorch",
        version="2.13" if tensorflow else "2.1",
        distribution=distribution,
    )
    (root / "launch.py").write_text(launcher, encoding="utf-8")
    (root / "train.py").write_text(TRAIN, encoding="utf-8")
    return root


def test_scan_and_plan_say_the_parameter_server_mapping(tmp_path: Path) -> None:
    root = _project(tmp_path, '{"parameter_server": {"enabled": True}}', tensorflow=True)
    scan = scan_project(root)
    (finding,) = [f for f in scan.findings if f.code == "distributed-launch"]
    assert finding.severity == "info"
    assert "distribution parameter_server: chief + workers + a parameter-server pool" in (
        finding.message
    )
    proposal = propose(scan)
    training = proposal.plan.training
    assert (training.distribution, training.instance_count, training.parameter_servers) == (
        "parameter_server",
        4,
        4,
    )
    assert any(
        note.startswith(
            "distribution parameter_server: chief + 3 worker(s) + 4 parameter server(s) on "
            "Vertex AI"
        )
        for note in proposal.notes
    )
    spec = build_job_spec(proposal.plan, Settings(target="gcp"), token="")
    assert [(p.role, p.replica_count) for p in spec.pools] == [
        ("chief", 1),
        ("worker", 3),
        ("parameter_server", 4),
    ]


def test_scan_and_plan_tag_mpi_and_run_it_on_one_replica(tmp_path: Path) -> None:
    root = _project(tmp_path, '{"mpi": {"enabled": True, "processes_per_host": 8}}')
    scan = scan_project(root)
    (finding,) = [f for f in scan.findings if f.code == "distributed-launch"]
    assert finding.severity == "warning"
    assert "Vertex AI has no MPI launcher" in finding.message
    assert "Reduction Server" in finding.message
    proposal = propose(scan)
    training = proposal.plan.training
    assert (training.distribution, training.instance_count) == ("mpi", 1)
    assert any(
        note.startswith("distribution mpi (4 instance(s) on SageMaker)") for note in proposal.notes
    )
    spec = build_job_spec(proposal.plan, Settings(target="gcp"), token="")
    assert [(p.role, p.replica_count) for p in spec.pools] == [("chief", 1)]

    save_plan(proposal.plan, root)  # the mapping survives the file
    assert load_plan(root).training.distribution == "mpi"


def test_a_v3_model_trainer_torchrun_is_torch_distributed(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text(TRAIN, encoding="utf-8")
    (root / "launch.py").write_text(
        """
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, SourceCode
from sagemaker.train.distributed import Torchrun

trainer = ModelTrainer(
    training_image="pytorch-training:2.1",
    source_code=SourceCode(source_dir=".", entry_script="train.py"),
    compute=Compute(instance_type="ml.g5.2xlarge", instance_count=2),
    distributed=Torchrun(),
)
""",
        encoding="utf-8",
    )
    scan = scan_project(root)
    (launcher,) = scan.launchers
    assert launcher.distribution == {"torch_distributed": {"enabled": True}}
    training = propose(scan).plan.training
    assert (training.distribution, training.instance_count) == ("torch_distributed", 2)


@pytest.mark.parametrize(
    ("code", "kind", "count"),
    [
        ("import horovod.torch as hvd\nhvd.init()\n", "mpi", 1),
        (
            "import smdistributed.dataparallel.torch.distributed as dist\n",
            "smdistributed_dataparallel",
            1,
        ),
        ("import torch.distributed as dist\ndist.init_process_group('nccl')\n", "pytorchddp", 1),
    ],
)
def test_without_a_launcher_the_code_shows_the_launch(
    tmp_path: Path, code: str, kind: str, count: int
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text(code + TRAIN, encoding="utf-8")
    proposal = propose(scan_project(root))
    training = proposal.plan.training
    assert (training.distribution, training.instance_count) == (kind, count)
    (note,) = [n for n in proposal.notes if n.startswith(f"distribution {kind} (from train.py: `")]
    assert "no launcher says how SageMaker started it" in note


def test_the_custom_job_sent_to_vertex_has_the_parameter_server_pools(
    vertex_settings: Settings, fake_vertex: FakeVertex, toy_project: Path
) -> None:
    plan = load_plan(toy_project)
    plan.training.scale_tier = "CUSTOM"
    plan.training.machine_type = "n1-standard-4"
    plan.training.instance_count = 1
    plan.training.distribution = "parameter_server"
    plan.training.parameter_servers = 2
    backend = VertexBackend(vertex_settings)
    backend.backoff = Backoff(initial=0.01, maximum=0.05)
    events: list[object] = []
    result = service.start_training(plan, vertex_settings, reporter=events.append, backend=backend)
    (call,) = fake_vertex.calls("create_custom_job")
    pools = json.loads(json.dumps(call.body))["jobSpec"]["workerPoolSpecs"]
    assert len(pools) == 3
    assert pools[0]["replicaCount"] == "1"
    assert pools[1] == {}  # no workers: the parameter servers stay at position 2
    assert pools[2]["replicaCount"] == "2"
    assert pools[2]["machineSpec"] == {"machineType": "n1-standard-4"}
    assert pools[2]["pythonPackageSpec"]["pythonModule"] == "trainer.task"
    assert result.spec.distribution == "parameter_server"


@pytest.mark.slow
def test_the_local_target_runs_the_chief_alone_and_says_so(
    toy_project: Path, toy_settings: Settings
) -> None:
    plan = load_plan(toy_project)
    plan.training.scale_tier = "CUSTOM"
    plan.training.machine_type = "n1-standard-4"
    plan.training.instance_count = 3
    plan.training.distribution = "pytorchddp"
    events: list[object] = []
    result = service.train(plan, toy_settings, reporter=events.append)
    assert result.status is not None and result.status.state == JobState.SUCCEEDED, result.status
    (line,) = [
        e.message for e in events if isinstance(e, StepProgress) and "chief only" in e.message
    ]
    assert line == (
        "local target runs the chief only (one process, no peers); on Vertex for distribution "
        "pytorchddp: chief: 1 x n1-standard-4, worker: 2 x n1-standard-4"
    )


def test_choosing_the_machine_keeps_the_launch_pools() -> None:
    """``--scale-tier CUSTOM`` (the app's default choice) and ``--machine-type`` change the
    machine, not the replicas SageMaker ran; a preset tier brings its own pools."""
    plan = _plan("parameter_server", 3, parameter_servers=2)
    settings = Settings(target="gcp")
    for overrides in (
        TrainOverrides(scale_tier="CUSTOM"),
        TrainOverrides(machine_type="n1-standard-16"),
    ):
        spec = build_job_spec(plan, settings, overrides, token="")
        roles = [(p.role, p.replica_count) for p in spec.pools]
        assert roles == [("chief", 1), ("worker", 2), ("parameter_server", 2)], overrides
    spec = build_job_spec(plan, settings, TrainOverrides(scale_tier="BASIC"), token="")
    assert [(p.role, p.replica_count) for p in spec.pools] == [("chief", 1)]
