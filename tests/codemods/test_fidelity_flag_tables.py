"""Issue 11 item 3 on the corpus projects still failing: channel flags read through a table
(a dict-mapped helper in another module, a name built at run time) are recorded in the plan and
really read by the migrated trainer; the migration's own check sees them."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from liftshift.codemods.base import FileContext
from liftshift.codemods.envreads import simple_wrappers
from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.ls003_sm_env import RULE as LS003
from liftshift.codemods.passes import run_passes
from liftshift.migrator.flagcheck import check_entry, helper_flags
from liftshift.migrator.migrate import migrate_project
from tests.codemods.helpers import context, helpers_free
from tests.codemods.vertexrun import migrate, run_job, write_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

TABLE_HELPER = """\
import os


def sm_path(kind, default=None):
    \"\"\"SageMaker paths by kind.\"\"\"
    names = {"model": "SM_MODEL_DIR", "train": "SM_CHANNEL_TRAIN", "test": "SM_CHANNEL_TEST"}
    return os.environ.get(names[kind], default)
"""

MODEL_FOLDER = (
    '_liftshift_folder(_liftshift_path(_liftshift_arg("--job-dir", "AIP_MODEL_DIR", default)))'
)
TABLE_HELPER_AFTER = f"""\
import os


def sm_path(kind, default=None):
    \"\"\"SageMaker paths by kind.\"\"\"
    if kind == "model":
        return {MODEL_FOLDER}
    if kind == "train":
        return _liftshift_path(_liftshift_arg("--train", None, default))
    if kind == "test":
        return _liftshift_path(_liftshift_arg("--test", None, default))
    raise KeyError(kind)
"""


def both(source: str, **overrides: object) -> tuple[str, FileContext]:
    """LS002 + LS003 over ``source``, checked to be idempotent."""
    ctx = context(selected_rules={"LS002", "LS003"}, **overrides)
    fctx = FileContext("utils/env.py", False, ctx, source)
    module = cst.parse_module(source)
    ctx.project_wrappers = {"utils.env": simple_wrappers(module)}  # type: ignore[dict-item]
    makers = [LS002.make_pass, LS003.make_pass]
    once = run_passes(module, fctx, makers).code
    again_ctx = FileContext("utils/env.py", False, ctx, once)
    again = run_passes(cst.parse_module(once), again_ctx, makers).code
    assert again == once, "not idempotent"
    return once, fctx


def test_a_dict_mapped_helper_is_a_wrapper_with_a_table() -> None:
    wrappers = simple_wrappers(cst.parse_module(TABLE_HELPER))
    assert wrappers["sm_path"].name("train") == "SM_CHANNEL_TRAIN"
    assert wrappers["sm_path"].name("model") == "SM_MODEL_DIR"
    assert wrappers["sm_path"].name("other") is None


def test_a_dict_mapped_helper_answers_each_kind_from_its_flag() -> None:
    out, fctx = both(TABLE_HELPER)
    assert helpers_free(out) == TABLE_HELPER_AFTER
    assert "TODO" not in out
    assert fctx.migration.added_arguments == {"train": "--train", "test": "--test"}


def test_a_table_that_is_not_all_sagemaker_names_is_no_wrapper() -> None:
    source = TABLE_HELPER.replace('"SM_CHANNEL_TEST"', '"HOME"')
    assert simple_wrappers(cst.parse_module(source)) == {}
    out, _ = both(source)
    assert "os.environ.get(names[kind], default)" in out and "raise KeyError" not in out


def test_a_name_built_at_run_time_records_the_channel_flags_for_the_plan() -> None:
    ctx = context(selected_rules={"LS003"})
    source = "import os\nfor c in ['train']:\n    d = os.environ[f'SM_CHANNEL_{c.upper()}']\n"
    fctx = FileContext("train.py", True, ctx, source)
    run_passes(cst.parse_module(source), fctx, [LS003.make_pass])
    assert ctx.added_arguments == {"train": "--train", "test": "--test"}


def test_the_flag_check_sees_flags_looked_up_in_a_table() -> None:
    code = (
        "import sys\n"
        "path = _liftshift_arg({'train': '--train', 'test': \"--test\"}.get(str(c).lower()))\n"
    )
    assert helper_flags(code) == {"--train", "--test"}
    passed = [("--train", "the train channel"), ("--test", "the test channel")]
    assert check_entry(cst.parse_module(code), code, passed, []) == []


def test_helper_module_table_project_trains_on_the_local_contract(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "utils/__init__.py": "",
            "utils/env.py": TABLE_HELPER,
            "train.py": """\
            import os

            import numpy as np

            from utils.env import sm_path


            def main():
                data = np.loadtxt(os.path.join(sm_path("train"), "d.csv"), delimiter=",", ndmin=2)
                kind = "test"  # known only at run time: the helper itself must answer
                test = np.loadtxt(os.path.join(sm_path(kind), "d.csv"), delimiter=",", ndmin=2)
                print("rows", len(data), len(test))
                np.save(os.path.join(sm_path("model"), "mean.npy"), data.mean(axis=0))


            if __name__ == "__main__":
                main()
            """,
        },
    )
    migrated = migrate(root, "train.py", {"train": "", "test": ""})
    errors = [entry for entry in migrated.result.errors if entry.rule == "LS000"]
    assert not errors, errors
    assert [channel.argument for channel in migrated.plan.data.channels] == ["--train", "--test"]
    folders = {}
    for name in ("train", "test"):
        folders[name] = tmp_path / name
        folders[name].mkdir()
        (folders[name] / "d.csv").write_text("1,2\n3,4\n", encoding="utf-8")
    completed, model_dir = run_job(migrated, folders, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "rows 2 2" in completed.stdout
    assert (model_dir / "mean.npy").is_file()


def test_dynamic_channels_trainer_reads_the_flag_the_plan_passes(tmp_path: Path) -> None:
    source = (CORPUS / "dynamic_channels.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""})
    assert [channel.argument for channel in migrated.plan.data.channels] == ["--train"]
    assert not [entry for entry in migrated.result.errors if entry.rule == "LS000"]
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x,y\n1,2\n3,4\n", encoding="utf-8")
    completed, _ = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "{'train': 2}" in completed.stdout


def test_no_model_save_is_said_although_a_helper_opens_files_for_writing(tmp_path: Path) -> None:
    """``_liftshift_config_dir`` writes JSON files: that is liftshift's code, not a model save."""
    source = (
        "import json\n"
        "if __name__ == '__main__':\n"
        "    with open('/opt/ml/input/config/resourceconfig.json') as f:\n"
        "        print(json.load(f)['current_host'])\n"
    )
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {})
    assert "_liftshift_config_dir" in migrated.text("trainer/task.py")
    notes = [
        entry
        for entry in migrate_project(root, plan=migrated.plan, launchers=[]).entries
        if entry.rule == "LS005" and entry.message.startswith("no model save found")
    ]
    assert len(notes) == 1
