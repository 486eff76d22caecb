"""SageMaker's distributed launches (an estimator's ``distribution=``) and what Vertex AI does
for each.

SageMaker starts the processes of a distributed job itself: ``mpirun`` for Horovod/MPI, a
parameter server on every host, ``torchrun`` per GPU, its own data-parallel library. Vertex AI
provisions worker pools (``workerPoolSpecs[0]`` the chief, ``[1]`` workers, ``[2]`` parameter
servers or a Reduction Server, ``[3]`` evaluators), sets the cluster variables on every replica
(``CLUSTER_SPEC``, ``TF_CONFIG``, and in its PyTorch containers ``MASTER_ADDR``,
``MASTER_PORT``, ``WORLD_SIZE``, ``RANK``) and runs ``python -m <module>`` once per replica.
So a launch maps to worker pools when the framework finds its peers through those variables,
and runs on one replica, tagged, when something had to start the processes for it: a job of
N replicas that each train alone would cost N times as much and race on the model folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

PoolShape = Literal["workers", "workers_and_parameter_servers", "one_replica"]


@dataclass(frozen=True)
class Launch:
    """One SageMaker launch and its Vertex AI mapping."""

    kind: str
    """The plan's ``training.distribution`` value."""
    shape: PoolShape
    """``workers``: chief + (instance count - 1) workers; ``workers_and_parameter_servers``:
    the same plus a parameter-server pool; ``one_replica``: Vertex AI cannot start it, the job
    runs on one replica until the script is converted."""
    vertex: str
    """What Vertex AI does for it, or why it cannot (said in the plan notes, the scan and the
    train screen)."""
    todo: str = ""
    """What the user must still do; empty when the mapping is complete."""

    @property
    def supported(self) -> bool:
        return self.shape != "one_replica"

    def describe(self) -> str:
        what = self.vertex if self.supported else f"{self.vertex}: the job runs on one replica"
        return f"{what}; {self.todo}" if self.todo else what


REDUCTION_SERVER = (
    "for all-reduce bandwidth across GPU hosts, Vertex AI's Reduction Server runs in "
    "workerPoolSpecs[2] (NCCL)"
)

LAUNCHES: dict[str, Launch] = {
    launch.kind: launch
    for launch in (
        Launch(
            "parameter_server",
            "workers_and_parameter_servers",
            "chief + workers + a parameter-server pool; Vertex AI sets TF_CONFIG (chief, "
            "worker and ps tasks) on every replica",
            "SageMaker ran one parameter server on each host: training.parameter_servers is "
            "one per instance on the chief's machine (a smaller CPU machine is usually enough)",
        ),
        Launch(
            "multi_worker_mirrored_strategy",
            "workers",
            "chief + workers; Vertex AI sets TF_CONFIG on every replica",
        ),
        Launch(
            "pytorchddp",
            "workers",
            "chief + workers; Vertex AI's PyTorch containers set MASTER_ADDR, MASTER_PORT, "
            "WORLD_SIZE and RANK on every replica",
        ),
        Launch(
            "torch_distributed",
            "workers",
            "chief + workers; Vertex AI's PyTorch containers set MASTER_ADDR, MASTER_PORT, "
            "WORLD_SIZE and RANK on every replica",
            "SageMaker started torchrun (one process per GPU); Vertex AI starts one process "
            "per replica: start torchrun or torch.multiprocessing.spawn in the script for "
            "more than one GPU a machine",
        ),
        Launch(
            "smdistributed_dataparallel",
            "workers",
            "chief + workers; Vertex AI sets CLUSTER_SPEC and TF_CONFIG on every replica, and "
            "MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK in its PyTorch containers",
            "replace SageMaker's data-parallel library: torch.distributed with the nccl backend "
            "(PyTorch) or MultiWorkerMirroredStrategy (TensorFlow); "
            f"{REDUCTION_SERVER}",
        ),
        Launch(
            "smdistributed_modelparallel",
            "one_replica",
            "SageMaker's model-parallel library has no Vertex AI equivalent",
            "shard the model with PyTorch FSDP or DeepSpeed under torchrun, then set "
            'training.distribution = "torch_distributed" and the instance count',
        ),
        Launch(
            "mpi",
            "one_replica",
            "Vertex AI has no MPI launcher (SageMaker started mpirun/Horovod)",
            "to scale out, move to torch.distributed (torchrun) or TensorFlow's "
            "MultiWorkerMirroredStrategy and set training.distribution and the instance "
            f"count, or start horovodrun from a custom container; {REDUCTION_SERVER}",
        ),
    )
}
"""Keyed by the plan's ``training.distribution``."""


def launch_of(distribution: Any) -> Launch | None:
    """The launch a SageMaker ``distribution`` dict enables; None for none (or a shape this
    table does not know, like ``instance_groups``). Model parallelism wins over the ``mpi`` key
    it comes with; SageMaker's data-parallel library wins over ``mpi`` too."""
    if not isinstance(distribution, dict):
        return None
    smdistributed = distribution.get("smdistributed")
    if isinstance(smdistributed, dict):
        for part in ("modelparallel", "dataparallel"):
            if _enabled(smdistributed.get(part)):
                return LAUNCHES[f"smdistributed_{part}"]
    for key in (
        "parameter_server",
        "multi_worker_mirrored_strategy",
        "torch_distributed",
        "pytorchddp",
        "mpi",
    ):
        if _enabled(distribution.get(key)):
            return LAUNCHES[key]
    return None


def _enabled(value: Any) -> bool:
    """``{"enabled": True, ...}`` (or a bare ``True``) turns a launch on."""
    if isinstance(value, dict):
        return value.get("enabled", False) is True
    return value is True


CODE_EVIDENCE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bsmdistributed\.modelparallel\b"), "smdistributed_modelparallel"),
    (re.compile(r"\bsmdistributed\.dataparallel\b"), "smdistributed_dataparallel"),
    (re.compile(r"^\s*(?:import|from)\s+horovod\b", re.MULTILINE), "mpi"),
    (re.compile(r"\bParameterServerStrategy\b"), "parameter_server"),
    (re.compile(r"\bMultiWorkerMirroredStrategy\b"), "multi_worker_mirrored_strategy"),
    (re.compile(r"[\"']LOCAL_RANK[\"']"), "torch_distributed"),
    (re.compile(r"\binit_process_group\b|[\"']MASTER_ADDR[\"']"), "pytorchddp"),
)
"""What in a trainer's code shows the launch it was written for, strongest first (a script
that imports Horovod was started by mpirun, whatever else it does)."""


def launch_in_code(text: str) -> tuple[Launch, str] | None:
    """The launch a trainer's code was written for, with the text that shows it; None when
    the code shows none. For a project without a launcher (or one that passes none)."""
    for pattern, kind in CODE_EVIDENCE:
        found = pattern.search(text)
        if found:
            return LAUNCHES[kind], found.group(0).strip()
    return None
