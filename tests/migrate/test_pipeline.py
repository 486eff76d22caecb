import libcst as cst
import pytest

from liftshift.codemods.registry import UnknownRuleError
from liftshift.foundation.plan import ChannelPlan, Plan, load_plan, save_plan
from liftshift.migrator.apply import apply_changeset
from liftshift.migrator.migrate import MigrateError, migrate_project


def test_ls001_makes_a_package_with_relative_imports_and_setup_py(project) -> None:
    result = migrate_project(project)
    changes = {change.path: change for change in result.changeset}
    assert changes["trainer/task.py"].kind == "move"
    assert changes["trainer/task.py"].old_path == "train.py"
    assert changes["trainer/helpers.py"].old_path == "helpers.py"
    assert changes["trainer/features.py"].old_path == "features.py"
    assert "run.sh" not in changes
    # the SageMaker launcher follows the moved script (and nothing else in it changes)
    assert changes["launch.py"].after == changes["launch.py"].before.replace(
        'entry_point="train.py"', 'source_dir="trainer", entry_point="task.py"'
    )
    task = changes["trainer/task.py"].after
    assert "from .helpers import load_frame\n" in task
    assert "from . import features as feats\n" in task
    assert changes["trainer/__init__.py"].kind == "create"
    setup = changes["setup.py"].after
    assert 'REQUIRED_PACKAGES = ["pandas", "joblib"]' in setup
    assert 'packages=find_packages(include=["trainer", "trainer.*"])' in setup
    assert changes["launch_vertex.py"].kind == "create"
    for change in result.changeset:
        if change.path.endswith(".py"):
            cst.parse_module(change.result())


def test_second_run_is_a_no_op(project) -> None:
    apply_changeset(migrate_project(project).changeset, project)
    again = migrate_project(project)
    assert not again.changeset, again.changeset.diff()
    assert any(entry.rule == "LS006" for entry in again.entries)  # TODOs still listed


def test_existing_setup_py_is_left_alone_with_a_todo(project) -> None:
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    result = migrate_project(project)
    assert result.changeset.get("setup.py") is None
    assert result.changeset.get("pyproject.toml") is None
    init = result.changeset.get("trainer/__init__.py").after
    assert "TODO(liftshift): LS001: the project already has pyproject.toml" in init
    assert any(e.path == "pyproject.toml" and e.rule == "LS001" for e in result.entries)


def test_rules_and_skip_select(project) -> None:
    only = migrate_project(project, rules=["ls002"])
    assert [change.path for change in only.changeset] == ["train.py"]
    assert "SM_CHANNEL_TRAIN" in only.changeset.get("train.py").after
    skipped = migrate_project(project, skip=["LS001", "LS006"])
    assert {change.kind for change in skipped.changeset} == {"modify"}
    with pytest.raises(UnknownRuleError):
        migrate_project(project, rules=["LS999"])


def test_a_file_that_does_not_parse_is_reported_and_the_rest_migrated(project) -> None:
    (project / "helpers.py").write_text("def broken(:\n    pass\n", encoding="utf-8")
    result = migrate_project(project)
    assert result.errors and result.errors[0].path == "helpers.py"
    assert "does not parse" in result.errors[0].message
    assert "SM_MODEL_DIR" not in result.changeset.get("trainer/task.py").after


def test_a_flag_the_codemod_adds_is_recorded_in_the_plan(project) -> None:
    text = (project / "liftshift.toml").read_text(encoding="utf-8")
    (project / "liftshift.toml").write_text(text.replace('argument = "--train"', 'argument = ""'))
    result = migrate_project(project)
    change = result.changeset.get("liftshift.toml")
    assert change is not None and 'argument = "--train"' in change.after
    apply_changeset(result.changeset, project)
    assert load_plan(project).data.channels[0].argument == "--train"


def test_missing_entry_point_is_one_clear_error(project) -> None:
    (project / "train.py").unlink()
    with pytest.raises(MigrateError, match=r"entry point train\.py not found"):
        migrate_project(project)


def test_crlf_project_keeps_crlf(tmp_path) -> None:
    from tests.migrate.conftest import make_project

    root = make_project(tmp_path / "crlf", crlf=True)
    task = migrate_project(root).changeset.get("trainer/task.py").after
    assert task.count("\r\n") == task.count("\n")


def test_a_file_that_is_not_utf8_stops_the_package_move_but_nothing_else(project) -> None:
    (project / "helpers.py").write_bytes(b"# caf\xe9\ndef load_frame(path):\n    return path\n")
    result = migrate_project(project)
    assert any(e.path == "helpers.py" and e.severity == "error" for e in result.entries)
    assert result.changeset.get("trainer/task.py") is None  # not half a package
    assert "SM_MODEL_DIR" not in result.changeset.get("train.py").after


def test_a_project_rule_that_fails_is_rolled_back_and_reported(project, monkeypatch) -> None:
    import dataclasses

    from liftshift.codemods import registry

    def broken(tree, ctx):
        tree.write("half.py", "x = 1\n")
        raise RuntimeError("boom")

    rules = tuple(
        dataclasses.replace(rule, transform_project=broken) if rule.code == "LS006" else rule
        for rule in registry.RULES
    )
    monkeypatch.setattr(registry, "RULES", rules)
    monkeypatch.setattr(registry, "RULES_BY_CODE", {rule.code: rule for rule in rules})
    result = migrate_project(project)
    assert result.changeset.get("half.py") is None
    assert [e.rule for e in result.errors] == ["LS006"]
    assert result.changeset.get("trainer/task.py") is not None


def test_a_plan_object_reused_across_runs_still_updates_the_file(project) -> None:
    """The app keeps one Plan in memory and recomputes: the file must still get the flag."""
    text = (project / "liftshift.toml").read_text(encoding="utf-8")
    (project / "liftshift.toml").write_text(text.replace('argument = "--train"', 'argument = ""'))
    plan = load_plan(project)
    migrate_project(project, plan=plan)
    assert plan.data.channels[0].argument == "--train"
    again = migrate_project(project, plan=plan)
    assert 'argument = "--train"' in again.changeset.get("liftshift.toml").after


def test_a_channel_read_without_argparse_gets_its_flag_into_the_plan(tmp_path) -> None:
    root = tmp_path / "noparse"
    root.mkdir()
    (root / "train.py").write_text(
        "import os\nimport pandas as pd\n"
        "frame = pd.read_csv(os.path.join(os.environ['SM_CHANNEL_TRAINING'], 'a.csv'))\n",
        encoding="utf-8",
    )
    plan = Plan()
    plan.code.entry_point = "train.py"
    plan.data.channels = [ChannelPlan(name="training", destination="gs://data-bucket/t")]
    save_plan(plan, root)
    result = migrate_project(root)
    assert 'argument = "--training"' in result.changeset.get("liftshift.toml").after
    assert "_liftshift_required_arg('--training')" in result.changeset.get("trainer/task.py").after
