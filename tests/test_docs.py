"""The docs that are generated from data stay in step with it, and the README keeps its promise."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_tiers_page_is_generated_from_the_machine_table() -> None:
    generated = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_tiers_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (ROOT / "docs" / "tiers.md").read_text(encoding="utf-8") == generated, (
        "docs/tiers.md is stale: run scripts/gen_tiers_doc.py > docs/tiers.md"
    )


def test_readme_opens_with_the_install_and_test_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    install, tests = commands
    assert "pip install -e '.[examples]' --group dev" in install
    assert install.endswith("liftshift demo --no-tui")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines(), "CI must run exactly the README's test command"


def test_readme_tree_matches_the_packages() -> None:
    """Every package and top-level module under liftshift/ is in the README's tree, and
    every name the tree lists exists (issue 10: the folders say what depends on what)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = readme.split("liftshift/\n", 1)[1].split("```", 1)[0]
    listed = {
        line.split()[0].rstrip("/")
        for line in tree.splitlines()
        if line.startswith("  ") and not line.startswith("   ") and line.split()
    }
    package = ROOT / "liftshift"
    packages = {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.name for p in package.glob("*.py") if not p.name.startswith("_")}
    present = packages | modules
    assert listed == present
