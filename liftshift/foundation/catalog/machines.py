"""Machines for Vertex AI training: scale-tier presets and the SageMaker instance-type mapping.

The facts live in ``data/machines.toml`` so a user (or we, when Google adds machines) edits a
table, not code. This module reads it once, applies the accelerator/machine-family rules
(T4/V100/P100 only on N1, A100 on A2, H100 on A3, L4 on G2) and turns a tier name or an
``ml.*`` instance type into worker-pool specs. Anything it cannot map is an error that says what
to choose instead: a wrong machine costs money, so there is never a silent default.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Literal

import tomli

Role = Literal["chief", "worker", "parameter_server", "evaluator"]
ROLES: tuple[Role, ...] = ("chief", "worker", "parameter_server", "evaluator")
"""Vertex's worker-pool order: pool 0 the chief, 1 workers, 2 parameter servers, 3 evaluators."""

CUSTOM = "CUSTOM"


class MachineError(ValueError):
    """A tier, instance type, machine or accelerator that cannot be used. The message says why
    and what to choose instead."""


class UnknownScaleTier(MachineError):
    pass


class UnknownInstanceType(MachineError):
    pass


class UnmappableInstanceType(MachineError):
    """A SageMaker instance family with no Vertex equivalent (Trainium, Inferentia)."""


class InvalidMachineSpec(MachineError):
    """An accelerator on a machine family that cannot carry it, or a count Vertex refuses."""


@dataclass(frozen=True)
class MachineSpec:
    """One Vertex machine: ``machine_spec`` of a worker pool."""

    machine_type: str
    accelerator_type: str = ""
    accelerator_count: int = 0
    note: str = ""
    """Said to the user when the match is not like for like (K80 → T4, fewer vCPUs, …)."""

    @property
    def family(self) -> str:
        return machine_family(self.machine_type)

    def describe(self) -> str:
        if self.accelerator_type and self.accelerator_count:
            return f"{self.machine_type} + {self.accelerator_count} x {self.accelerator_type}"
        return self.machine_type

    def to_api(self) -> dict[str, Any]:
        """The ``machine_spec`` dict of the Vertex API (empty accelerator fields left out)."""
        spec: dict[str, Any] = {"machine_type": self.machine_type}
        if self.accelerator_type and self.accelerator_count:
            spec["accelerator_type"] = self.accelerator_type
            spec["accelerator_count"] = self.accelerator_count
        return spec


@dataclass(frozen=True)
class WorkerPoolSpec:
    """One worker pool of a CustomJob, without the container part (the job spec adds that)."""

    role: Role
    machine: MachineSpec
    replica_count: int = 1


@dataclass(frozen=True)
class ScaleTier:
    name: str
    description: str
    pools: tuple[WorkerPoolSpec, ...]


@dataclass(frozen=True)
class AcceleratorRule:
    families: tuple[str, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True)
class MachineTable:
    """Everything in ``machines.toml``, typed."""

    accelerators: dict[str, AcceleratorRule]
    retired_accelerators: dict[str, str]
    tiers: dict[str, ScaleTier]
    instance_types: dict[str, MachineSpec]
    builtin_accelerator_counts: dict[str, int]
    unmappable: dict[str, str]


def machine_family(machine_type: str) -> str:
    """``n1-standard-8`` → ``n1``; ``cloud-tpu`` is a family of its own."""
    return machine_type if machine_type == "cloud-tpu" else machine_type.split("-", 1)[0]


@functools.cache
def load_table() -> MachineTable:
    """Parse ``data/machines.toml`` (once per process)."""
    text = (
        resources.files("liftshift.foundation.catalog")
        .joinpath("data/machines.toml")
        .read_text("utf-8")
    )
    data = tomli.loads(text)
    tiers = {
        name: ScaleTier(
            name=name,
            description=tier["description"],
            pools=tuple(_pool(pool) for pool in tier["pools"]),
        )
        for name, tier in data["tiers"].items()
    }
    return MachineTable(
        accelerators={
            name: AcceleratorRule(tuple(rule["families"]), tuple(rule["counts"]))
            for name, rule in data["accelerators"].items()
        },
        retired_accelerators=dict(data["retired_accelerators"]),
        tiers=tiers,
        instance_types={name: _machine(row) for name, row in data["instance_types"].items()},
        builtin_accelerator_counts=dict(data["builtin_accelerator_counts"]),
        unmappable=dict(data["unmappable"]),
    )


def _machine(row: dict[str, Any]) -> MachineSpec:
    return MachineSpec(
        machine_type=row["machine_type"],
        accelerator_type=row.get("accelerator_type", ""),
        accelerator_count=int(row.get("accelerator_count", 0)),
        note=row.get("note", ""),
    )


def _pool(row: dict[str, Any]) -> WorkerPoolSpec:
    role = row["role"]
    if role not in ROLES:
        raise MachineError(f"machines.toml: unknown pool role {role!r}; one of {ROLES}")
    return WorkerPoolSpec(
        role=role, machine=_machine(row), replica_count=int(row.get("replica_count", 1))
    )


def tier_names() -> list[str]:
    return list(load_table().tiers)


def get_tier(name: str) -> ScaleTier:
    table = load_table()
    key = name.strip().upper().replace("-", "_")
    if key not in table.tiers:
        hint = _did_you_mean(key, table.tiers)
        raise UnknownScaleTier(
            f"unknown scale tier {name!r}{hint}; choose one of {', '.join(table.tiers)}"
        )
    return table.tiers[key]


def scale_tier(name: str, *, custom: MachineSpec | None = None) -> list[WorkerPoolSpec]:
    """The worker pools of a preset. ``CUSTOM`` needs ``custom`` (one chief on that machine)."""
    tier = get_tier(name)
    if tier.name == CUSTOM:
        if custom is None:
            raise UnknownScaleTier(
                "scale tier CUSTOM needs a machine: --machine-type M [--accelerator TYPE:N]"
            )
        return [WorkerPoolSpec(role="chief", machine=validate_machine(custom))]
    return list(tier.pools)


def resolve_instance_type(instance_type: str) -> MachineSpec:
    """The Vertex machine for a SageMaker training instance type (``ml.p3.2xlarge`` →
    ``n1-highmem-8`` + 1 x V100). Raises :class:`UnmappableInstanceType` for Trainium/Inferentia
    and :class:`UnknownInstanceType` (with a suggestion) for anything not in the table."""
    table = load_table()
    name = instance_type.strip().lower()
    if name in table.instance_types:
        return table.instance_types[name]
    family = ".".join(name.split(".")[:2])
    if family in table.unmappable:
        raise UnmappableInstanceType(f"{instance_type}: {table.unmappable[family]}")
    if name.startswith("local"):
        raise UnknownInstanceType(
            f"{instance_type!r} is SageMaker local mode; use --target local, or pick a "
            "machine with --scale-tier or --machine-type"
        )
    hint = _did_you_mean(name, table.instance_types)
    raise UnknownInstanceType(
        f"unknown SageMaker instance type {instance_type!r}{hint}; choose a machine with "
        "--scale-tier T or --machine-type M [--accelerator TYPE:N] (see `liftshift tiers`)"
    )


def pools_for_instance(instance_type: str, instance_count: int = 1) -> list[WorkerPoolSpec]:
    """SageMaker runs ``instance_count`` identical hosts: a chief plus ``count - 1`` workers."""
    if instance_count < 1:
        raise MachineError(f"instance count must be at least 1, got {instance_count}")
    machine = resolve_instance_type(instance_type)
    pools = [WorkerPoolSpec(role="chief", machine=machine)]
    if instance_count > 1:
        pools.append(WorkerPoolSpec("worker", machine, replica_count=instance_count - 1))
    return pools


def parse_accelerator(text: str) -> tuple[str, int]:
    """``NVIDIA_TESLA_T4:2`` → (``NVIDIA_TESLA_T4``, 2); a bare type means one."""
    kind, _, count = text.strip().partition(":")
    kind = kind.strip().upper()
    if not kind:
        raise InvalidMachineSpec(f"accelerator {text!r}: expected TYPE[:COUNT]")
    try:
        number = int(count) if count else 1
    except ValueError:
        raise InvalidMachineSpec(f"accelerator {text!r}: count must be a number") from None
    return kind, number


def validate_machine(spec: MachineSpec) -> MachineSpec:
    """Check the accelerator/machine-family rules; a retired accelerator raises with its
    replacement named. Returns the spec unchanged when valid."""
    table = load_table()
    if not spec.machine_type:
        raise InvalidMachineSpec("a machine type is required (e.g. n1-standard-4)")
    family = spec.family
    builtin = table.builtin_accelerator_counts.get(spec.machine_type)
    if not spec.accelerator_type:
        if spec.accelerator_count:
            raise InvalidMachineSpec(f"{spec.machine_type}: accelerator count without a type")
        if builtin:
            raise InvalidMachineSpec(
                f"{spec.machine_type} has {builtin} GPU(s) built in: add --accelerator "
                f"{_family_accelerators(family)[0]}:{builtin}"
            )
        return spec
    kind = spec.accelerator_type
    if kind in table.retired_accelerators:
        raise InvalidMachineSpec(
            f"{kind} is retired on Vertex AI; use {table.retired_accelerators[kind]}"
        )
    if kind not in table.accelerators:
        hint = _did_you_mean(kind, table.accelerators)
        raise InvalidMachineSpec(
            f"unknown accelerator {kind!r}{hint}; one of {', '.join(table.accelerators)}"
        )
    rule = table.accelerators[kind]
    if family not in rule.families:
        allowed = " or ".join(f.upper() for f in rule.families)
        raise InvalidMachineSpec(f"{kind} only runs on {allowed} machines, not {spec.machine_type}")
    if spec.accelerator_count not in rule.counts:
        raise InvalidMachineSpec(
            f"{kind}: {spec.accelerator_count} per machine is not offered; "
            f"choose {', '.join(map(str, rule.counts))}"
        )
    if builtin is not None and spec.accelerator_count != builtin:
        raise InvalidMachineSpec(
            f"{spec.machine_type} has exactly {builtin} x {kind}, not {spec.accelerator_count}"
        )
    return spec


def custom_machine(machine_type: str, accelerator: str | None = None) -> MachineSpec:
    """A validated machine from CLI flags (``--machine-type``, ``--accelerator TYPE:N``)."""
    kind, count = parse_accelerator(accelerator) if accelerator else ("", 0)
    return validate_machine(
        replace(MachineSpec(machine_type.strip()), accelerator_type=kind, accelerator_count=count)
    )


def _family_accelerators(family: str) -> list[str]:
    return [k for k, r in load_table().accelerators.items() if family in r.families] or ["?"]


def _did_you_mean(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
