"""The codemods in the order the pipeline runs them (LS001 first: it moves the files the
others edit; LS006 next to last: its launcher reads the final plan; LS007 last: it serves the
handlers as the other rules left them, and runs them over a handler module it moves in)."""

from __future__ import annotations

from liftshift.codemods import (
    ls001_package_module,
    ls002_job_dir,
    ls003_sm_env,
    ls004_gcs_input,
    ls005_model_output,
    ls006_launcher,
    ls007_predictor,
)
from liftshift.codemods.base import Rule

RULES: tuple[Rule, ...] = (
    ls001_package_module.RULE,
    ls002_job_dir.RULE,
    ls003_sm_env.RULE,
    ls004_gcs_input.RULE,
    ls005_model_output.RULE,
    ls006_launcher.RULE,
    ls007_predictor.RULE,
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


class UnknownRuleError(ValueError):
    """A ``--rules``/``--skip`` code that no rule has."""


def select_rules(only: list[str] | None = None, skip: list[str] | None = None) -> list[Rule]:
    """The rules to run, in pipeline order; codes are case-insensitive."""
    wanted = [code.strip().upper() for code in (only or []) if code.strip()]
    skipped = [code.strip().upper() for code in (skip or []) if code.strip()]
    unknown = sorted(set(wanted + skipped) - set(RULES_BY_CODE))
    if unknown:
        known = ", ".join(RULES_BY_CODE)
        raise UnknownRuleError(f"unknown rule code(s): {', '.join(unknown)} (known: {known})")
    return [
        rule for rule in RULES if (not wanted or rule.code in wanted) and rule.code not in skipped
    ]
