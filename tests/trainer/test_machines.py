"""The machine table obeys DESIGN.md section 3: tiers, K80 → T4, family rules, instance map."""

from __future__ import annotations

import pytest

from liftshift.foundation.catalog import machines
from liftshift.foundation.catalog.machines import (
    InvalidMachineSpec,
    MachineSpec,
    UnknownInstanceType,
    UnknownScaleTier,
    UnmappableInstanceType,
    custom_machine,
    load_table,
    pools_for_instance,
    resolve_instance_type,
    scale_tier,
    validate_machine,
)


def test_every_row_obeys_the_family_rules() -> None:
    table = load_table()
    for name, spec in table.instance_types.items():
        assert validate_machine(spec) is spec, name
    for tier in table.tiers.values():
        for pool in tier.pools:
            validate_machine(pool.machine)


@pytest.mark.parametrize(
    ("accelerator", "family"),
    [
        ("NVIDIA_TESLA_T4", "n1"),
        ("NVIDIA_TESLA_V100", "n1"),
        ("NVIDIA_TESLA_P100", "n1"),
        ("NVIDIA_TESLA_A100", "a2"),
        ("NVIDIA_H100_80GB", "a3"),
        ("NVIDIA_L4", "g2"),
    ],
)
def test_family_rules_from_design(accelerator: str, family: str) -> None:
    assert load_table().accelerators[accelerator].families == (family,)


def test_accelerator_on_wrong_family_is_refused() -> None:
    with pytest.raises(InvalidMachineSpec, match="only runs on N1"):
        custom_machine("n2-standard-8", "NVIDIA_TESLA_T4:1")
    with pytest.raises(InvalidMachineSpec, match="A2"):
        custom_machine("n1-standard-8", "NVIDIA_TESLA_A100:1")


def test_retired_k80_names_its_replacement() -> None:
    with pytest.raises(InvalidMachineSpec, match=r"retired.*NVIDIA_TESLA_T4"):
        custom_machine("n1-standard-8", "NVIDIA_TESLA_K80:1")


def test_builtin_gpu_counts_must_match() -> None:
    assert custom_machine("a2-highgpu-2g", "NVIDIA_TESLA_A100:2").accelerator_count == 2
    with pytest.raises(InvalidMachineSpec, match="exactly 2"):
        custom_machine("a2-highgpu-2g", "NVIDIA_TESLA_A100:1")
    with pytest.raises(InvalidMachineSpec, match="built in"):
        custom_machine("g2-standard-8")


def test_tiers_match_the_legacy_meaning() -> None:
    (basic,) = scale_tier("BASIC")
    assert basic.machine == MachineSpec("n1-standard-4")
    (gpu,) = scale_tier("basic_gpu")
    assert gpu.machine.to_api() == {
        "machine_type": "n1-standard-8",
        "accelerator_type": "NVIDIA_TESLA_T4",
        "accelerator_count": 1,
    }
    standard = scale_tier("STANDARD_1")
    assert [(p.role, p.machine.machine_type, p.replica_count) for p in standard] == [
        ("chief", "n1-highcpu-8", 1),
        ("worker", "n1-highcpu-8", 4),
        ("parameter_server", "n1-standard-4", 3),
    ]
    premium = scale_tier("PREMIUM_1")
    assert [(p.machine.machine_type, p.replica_count) for p in premium] == [
        ("n1-highcpu-16", 1),
        ("n1-highcpu-16", 19),
        ("n1-highmem-8", 11),
    ]
    (tpu,) = scale_tier("BASIC_TPU")
    assert tpu.machine.accelerator_type == "TPU_V2"


def test_custom_tier_needs_a_machine() -> None:
    with pytest.raises(UnknownScaleTier, match="--machine-type"):
        scale_tier("CUSTOM")
    (pool,) = scale_tier("CUSTOM", custom=MachineSpec("n1-standard-16", "NVIDIA_TESLA_T4", 2))
    assert pool.machine.accelerator_count == 2


def test_unknown_tier_suggests() -> None:
    with pytest.raises(UnknownScaleTier, match="did you mean BASIC_GPU"):
        scale_tier("BASIC_GUP")


@pytest.mark.parametrize(
    ("instance", "described"),
    [
        ("ml.m5.xlarge", "n2-standard-4"),
        ("ml.p3.2xlarge", "n1-highmem-8 + 1 x NVIDIA_TESLA_V100"),
        ("ml.g4dn.xlarge", "n1-standard-4 + 1 x NVIDIA_TESLA_T4"),
        ("ml.g5.2xlarge", "g2-standard-8 + 1 x NVIDIA_L4"),
        ("ml.p4d.24xlarge", "a2-highgpu-8g + 8 x NVIDIA_TESLA_A100"),
        ("ml.p5.48xlarge", "a3-highgpu-8g + 8 x NVIDIA_H100_80GB"),
        ("ML.P2.XLARGE", "n1-highmem-4 + 1 x NVIDIA_TESLA_T4"),
    ],
)
def test_instance_types_from_design(instance: str, described: str) -> None:
    assert resolve_instance_type(instance).describe() == described


def test_g4dn_and_g5_families_map_to_t4_and_l4() -> None:
    table = load_table()
    for name, spec in table.instance_types.items():
        if name.startswith("ml.g4dn."):
            assert (spec.family, spec.accelerator_type) == ("n1", "NVIDIA_TESLA_T4")
        if name.startswith("ml.g5."):
            assert (spec.family, spec.accelerator_type) == ("g2", "NVIDIA_L4")
        if name.startswith("ml.p2."):
            assert "K80" in spec.note


def test_trainium_is_unmappable_with_a_choice() -> None:
    with pytest.raises(UnmappableInstanceType, match=r"Trainium.*--machine-type"):
        resolve_instance_type("ml.trn1.32xlarge")


def test_unknown_instance_type_suggests() -> None:
    with pytest.raises(UnknownInstanceType, match=r"did you mean ml\.m5\.xlarge"):
        resolve_instance_type("ml.m5.xlarg")
    with pytest.raises(UnknownInstanceType, match="local mode"):
        resolve_instance_type("local")


def test_instance_count_becomes_workers() -> None:
    pools = pools_for_instance("ml.m5.xlarge", 3)
    assert [(p.role, p.replica_count) for p in pools] == [("chief", 1), ("worker", 2)]


def test_parse_accelerator() -> None:
    assert machines.parse_accelerator("nvidia_tesla_t4") == ("NVIDIA_TESLA_T4", 1)
    assert machines.parse_accelerator("NVIDIA_L4:2") == ("NVIDIA_L4", 2)
    with pytest.raises(InvalidMachineSpec):
        machines.parse_accelerator("NVIDIA_L4:two")
