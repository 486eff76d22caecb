"""Issue 11 item 4 on the corpus projects still failing: what a trainer writes into the model
folder without a library save (a ``model.json`` opened by hand, ``np.save``, a program run on
a command line naming ``/opt/ml/model``) is tagged at the line; a model saved under
``Path(folder, "clf.joblib")`` gets the served name; a GluonTS predictor is tagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.codemods.ls002_job_dir import RULE as LS002
from liftshift.codemods.ls003_sm_env import RULE as LS003
from liftshift.codemods.ls005_model_output import (
    FRAMEWORK_SAVE,
    _framework_saves,
    saves_a_model,
)
from liftshift.codemods.ls005_model_output import RULE as LS005
from liftshift.migrator.migrate import migrate_project
from tests.codemods.helpers import (
    assert_codemod,
    assert_finds_what_the_pattern_finds,
    context,
    helpers_free,
    run,
)
from tests.codemods.vertexrun import migrate, run_job, write_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FOLDER_TODO = (
    "    # TODO(liftshift): LS005: this writes {what} into the model folder by hand, and no model "
    "save was found: Vertex AI's prebuilt prediction containers load only model.joblib/"
    "model.pkl/model.bst or a SavedModel; save the model in one of those forms, or serve this "
    "file from a custom container\n"
)


def no_library_save() -> object:
    return context(saves_model=False)


def test_saves_a_model_tells_library_saves_from_hand_written_files() -> None:
    assert saves_a_model("joblib.dump(clf, path)")
    assert saves_a_model("torch.save(net.state_dict(), p)")
    assert saves_a_model("cloudpickle.dump(clf, f)")
    assert saves_a_model("model.save(export_dir)")
    assert saves_a_model("TabularPredictor(label='y').fit(frame)")
    assert not saves_a_model("json.dump(metrics, f)\nnp.save(p, mean)\nplt.savefig('a.png')")
    assert not saves_a_model("with open(os.path.join(model_dir, 'model.json'), 'w') as f: ...")


def test_framework_saves_are_the_pattern_s_own_matches() -> None:
    """The line-by-line search finds exactly what FRAMEWORK_SAVE finds in the whole text."""
    edge_cases = [
        "a.save(x).save(y)\nnp.save(p)\n3model.save(q)\r\n\tm.save_model(b)",
        "x.y.dump(f); pickle.dump(a, b)\n.save(\n_.export(\nmodel.save_modelx(",
        "m.save(",
        "",
    ]
    assert_finds_what_the_pattern_finds(_framework_saves, FRAMEWORK_SAVE, edge_cases)


def test_hand_written_files_in_the_model_folder_are_tagged() -> None:
    before = (
        "import json, os\n"
        "import numpy as np\n"
        "def save(model, model_dir):\n"
        "    np.save(os.path.join(model_dir, 'mean.npy'), model)\n"
        "    path = os.path.join(model_dir, 'meta.json')\n"
        "    with open(path, 'w') as out:\n"
        "        json.dump({'kind': 'mean'}, out)\n"
        "    with open(os.path.join(model_dir, 'meta.json')) as back:\n"  # a read: left
        "        print(back.read())\n"
    )
    after = (
        "import json, os\n"
        "import numpy as np\n"
        "def save(model, model_dir):\n"
        + FOLDER_TODO.format(what="mean.npy")
        + "    np.save(os.path.join(model_dir, 'mean.npy'), model)\n"
        "    path = os.path.join(model_dir, 'meta.json')\n"
        + FOLDER_TODO.format(what="meta.json")
        + "    with open(path, 'w') as out:\n"
        "        json.dump({'kind': 'mean'}, out)\n"
        "    with open(os.path.join(model_dir, 'meta.json')) as back:\n"
        "        print(back.read())\n"
    )
    assert_codemod(LS005, before, after, no_library_save(), dedent=False)


@pytest.mark.parametrize(
    "source",
    [
        # the trainer saves its model with a library (elsewhere): a metadata file is fine
        "import os\nwith open(os.path.join(model_dir, 'meta.json'), 'w') as f:\n    f.write('x')\n",
        # a file written outside the model folder
        "import numpy as np\nnp.save('output/mean.npy', mean)\n",
        # the served name, pickled by hand
        "import os, pickle\nwith open(os.path.join(model_dir, 'model.pkl'), 'wb') as f:\n"
        "    f.write(pickle.dumps(clf))\n",
    ],
)
def test_no_op_when_a_model_is_saved_or_the_file_is_elsewhere(source: str) -> None:
    ctx = context() if "meta.json" in source else no_library_save()
    assert run(LS005, source, ctx) == source


def test_a_model_saved_under_a_pathlib_path_gets_the_served_name() -> None:
    before = (
        "import joblib\nfrom pathlib import Path\n"
        "joblib.dump(scaler, Path(args.job_dir, 'numerical_transformer.joblib'))\n"
        "joblib.dump(classifier, Path(args.job_dir, 'classifier.joblib'))\n"
        "classifier = joblib.load(Path(model_dir, 'classifier.joblib'))\n"
    )
    after = before.replace("classifier.joblib", "model.joblib")
    assert_codemod(LS005, before, after, dedent=False)


def test_a_gluonts_predictor_is_tagged_at_its_save() -> None:
    before = (
        "from gluonts.model.predictor import Predictor\n"
        "def save(model, model_dir):\n"
        "    model.serialize(Path(model_dir))\n"
    )
    out = run(LS005, before)
    assert "LS005: a GluonTS predictor is not what Vertex AI's prebuilt prediction" in out
    assert run(LS005, out) == out


COMMAND = (
    "import subprocess\n"
    "cmd = '/usr/bin/python3 /yolov5/train.py --project /opt/ml/model --cache '\n"
    "subprocess.call('cp /opt/ml/code/inference.py /opt/ml/model/code/'.split())\n"
)


def both(source: str) -> str:
    import libcst as cst

    from liftshift.codemods.base import FileContext
    from liftshift.codemods.passes import run_passes

    ctx = context(selected_rules={"LS002", "LS003"})
    makers = [LS002.make_pass, LS003.make_pass]
    once = run_passes(cst.parse_module(source), FileContext("t.py", True, ctx, source), makers)
    again = run_passes(once, FileContext("t.py", True, ctx, once.code), makers)
    assert again.code == once.code, "not idempotent"
    return once.code


def test_a_command_line_naming_the_model_folder_writes_into_the_model_folder() -> None:
    out = helpers_free(both(COMMAND))
    folder = (
        "_liftshift_folder(_liftshift_path(_liftshift_arg('--job-dir', 'AIP_MODEL_DIR', 'model')))"
    )
    assert f'cmd = f"/usr/bin/python3 /yolov5/train.py --project {{{folder}}} --cache "' in out
    assert f'subprocess.call(f"cp /opt/ml/code/inference.py {{{folder}}}/code/".split())' in out
    assert out.count("LS002: the command run here writes into the model folder") == 2
    # the other /opt/ml path left in the command is said, the same way on every run
    assert out.count("LS003: path under /opt/ml built at run time") == 1


def test_help_text_and_paths_that_only_mention_the_folder_are_left() -> None:
    source = "import argparse\np.add_argument('--m', help='(default /opt/ml/model)')\n"
    assert "--job-dir" not in helpers_free(both(source))


def test_the_migration_says_no_save_only_when_nothing_is_written(tmp_path: Path) -> None:
    def notes(text: str) -> list[str]:
        root = write_project(tmp_path / str(len(list(tmp_path.iterdir()))), {"train.py": text})
        return [
            entry.message.split(":")[0]
            for entry in migrate_project(root).entries
            if entry.rule == "LS005"
        ]

    log_only = (
        "import os\nwith open('train.log', 'w') as log:\n    log.write(os.environ['SM_HPS'])\n"
    )
    assert notes(log_only) == ["no model save found in the trainer"]
    by_hand = (
        "import os\nwith open(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w') as f:\n"
        "    f.write('1')\n"
    )
    assert notes(by_hand) == [
        "this writes m.txt into the model folder by hand, and no model save was found"
    ]


def test_unicode_trainer_on_the_local_contract(tmp_path: Path) -> None:
    source = (CORPUS / "unicode_comments.py").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""})
    assert "LS005: this writes modèle.txt into the model folder" in migrated.text("trainer/task.py")
    data = tmp_path / "data"
    data.mkdir()
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (model_dir / "modèle.txt").read_text(encoding="utf-8") == f"✓ {data}"


def test_a_program_run_by_the_trainer_writes_into_the_job_model_folder(tmp_path: Path) -> None:
    writer = "import sys, pathlib; pathlib.Path(sys.argv[1], 'model.pkl').write_text('m')"
    source = (
        "import os, shlex, subprocess, sys\n"
        "if __name__ == '__main__':\n"
        f"    subprocess.run([sys.executable, '-c', {writer!r}]"
        " + shlex.split(' /opt/ml/model'), check=True)\n"
        "    print(os.listdir(os.environ.get('SM_CHANNEL_TRAIN', '.')))\n"
    )
    root = write_project(tmp_path / "project", {"train.py": source})
    migrated = migrate(root, "train.py", {"train": ""})
    assert 'shlex.split(f" {_liftshift_folder(' in migrated.text("trainer/task.py")
    data = tmp_path / "data"
    data.mkdir()
    completed, model_dir = run_job(migrated, {"train": data}, tmp_path)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (model_dir / "model.pkl").read_text() == "m"


def test_an_estimator_exporter_is_a_save_into_a_subfolder() -> None:
    before = (
        "import tensorflow as tf\n"
        "exporter = tf.estimator.LatestExporter('Servo', serving_input_receiver_fn=receiver)\n"
    )
    out = run(LS005, before)
    assert out.startswith("import tensorflow as tf\n# TODO(liftshift): LS005: this exporter")
    assert run(LS005, out) == out
    assert saves_a_model(before)


def test_liftshift_helpers_are_never_taken_for_a_model_save() -> None:
    """The migration asks saves_a_model of whole trainer files, inserted helpers included
    (``_liftshift_config_dir`` writes JSON files): they must not count as a save."""
    from liftshift.codemods.runtime import HELPERS

    assert not [name for name, text in HELPERS.items() if saves_a_model(text)]
