"""Write docs/tiers.md from the machine table (liftshift/foundation/catalog/data/machines.toml).

The table is the one source of truth; this keeps the page from drifting (a test checks it).
Run: .venv/bin/python scripts/gen_tiers_doc.py > docs/tiers.md
"""

from __future__ import annotations

from liftshift.foundation.catalog.machines import load_table

HEADER = """# Scale tiers and instance types

Generated from `liftshift/foundation/catalog/data/machines.toml` by `scripts/gen_tiers_doc.py`;
edit the table, not this page. `liftshift tiers` prints the same. In `liftshift.toml`, set
`training.scale_tier` to a tier below, or `CUSTOM` with `machine_type`, `accelerator_type` and
`accelerator_count`; by default the plan maps the launcher's SageMaker instance type.

Legacy AI Platform scale tiers are kept as presets over Vertex AI worker pools (pool 0 chief,
1 workers, 2 parameter servers, 3 evaluators).
"""


def render() -> str:
    table = load_table()
    lines = [HEADER, "## Scale tiers", "", "| tier | worker pools | meaning |"]
    lines.append("| --- | --- | --- |")
    for tier in table.tiers.values():
        pools = "<br>".join(
            f"{p.role}: {p.replica_count} x {p.machine.describe()}" for p in tier.pools
        )
        lines.append(f"| `{tier.name}` | {pools or 'your own machine'} | {tier.description} |")
    lines += ["", "## SageMaker instance types", "", "| SageMaker | Vertex AI | note |"]
    lines.append("| --- | --- | --- |")
    for name, spec in table.instance_types.items():
        lines.append(f"| `{name}` | {spec.describe()} | {spec.note} |")
    lines += ["", "## No Vertex equivalent (liftshift asks you to choose)", ""]
    lines += [f"- `{family}`: {why}" for family, why in table.unmappable.items()]
    lines += ["", "## Accelerators and the machine families that carry them", ""]
    lines += ["| accelerator | machine families | counts |", "| --- | --- | --- |"]
    for name, rule in table.accelerators.items():
        counts = ", ".join(map(str, rule.counts))
        lines.append(f"| `{name}` | {', '.join(rule.families)} | {counts} |")
    lines += ["", "Retired on Vertex AI:", ""]
    lines += [f"- `{old}` → `{new}`" for old, new in table.retired_accelerators.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
