"""LS001 and LS006 create and move files: tested on a ProjectTree, as the pipeline runs them."""

from __future__ import annotations

import json
from pathlib import Path

import libcst as cst

from liftshift.codemods import ls001_package_module, ls006_launcher
from liftshift.codemods.base import ChannelSpec, MigrationContext, ProjectTree
from liftshift.foundation.plan import Plan


def tree_of(files: dict[str, str], entry: str = "train.py") -> ProjectTree:
    tree = ProjectTree(loader=files.get, existing=set(files))
    tree.entry = entry
    tree.trainer_files = [entry]
    return tree


def test_ls001_moves_a_subpackage_and_fixes_every_import_style() -> None:
    tree = tree_of(
        {
            "train.py": (
                "import os, model\nimport model as m\nfrom model import build\n"
                "from utils.io import read\nimport utils.io as uio\n"
                "import utils.metrics\n\n\ndef main():\n    import model\n"
            ),
            "model.py": "from utils import io\n\ndef build():\n    return 1\n",
            "utils/io.py": "from utils.metrics import score\n\ndef read():\n    return score()\n",
            "utils/metrics.py": "def score():\n    return 1\n",
            "launch.py": "import sagemaker\n",
            "requirements.txt": "numpy==1.26  # pinned\n-r other.txt\n\nscipy\n",
        }
    )
    ls001_package_module.transform_project(tree, MigrationContext(module="trainer.task"))
    assert tree.origin == {
        "trainer/task.py": "train.py",
        "trainer/model.py": "model.py",
        "trainer/utils/io.py": "utils/io.py",
        "trainer/utils/metrics.py": "utils/metrics.py",
    }
    task = tree.files["trainer/task.py"]
    assert task.startswith("import os; from . import model\nfrom . import model as m\n")
    assert "from .model import build\nfrom .utils.io import read\n" in task
    assert "from .utils import io as uio\n" in task
    assert "TODO(liftshift): LS001: `import utils.metrics` became `from . import utils`" in task
    assert "    from . import model\n" in task
    assert tree.files["trainer/model.py"].startswith("from .utils import io\n")
    assert tree.files["trainer/utils/io.py"].startswith("from ..utils.metrics import score\n")
    assert tree.files["trainer/utils/__init__.py"] == ""
    assert "python -m trainer.task" in tree.files["trainer/__init__.py"]
    assert 'REQUIRED_PACKAGES = ["numpy==1.26", "scipy"]' in tree.files["setup.py"]
    assert "launch.py" not in tree.files
    for path, text in tree.files.items():
        if path.endswith(".py"):
            cst.parse_module(text)


def test_ls001_is_a_no_op_once_packaged() -> None:
    tree = tree_of({"trainer/task.py": "x = 1\n", "trainer/__init__.py": ""}, "trainer/task.py")
    ls001_package_module.transform_project(tree, MigrationContext())
    assert not tree.files and not tree.created


def test_ls001_refuses_to_mix_with_an_existing_trainer_folder() -> None:
    tree = tree_of({"train.py": "x = 1\n", "trainer/other.py": "y = 2\n"})
    ls001_package_module.transform_project(tree, MigrationContext())
    assert not tree.origin
    assert tree.notes and tree.notes[0][2] == "LS001"


def _context(launchers: list[str]) -> MigrationContext:
    plan = Plan()
    plan.target.gcp_project = "acme-ml"
    plan.training.staging_bucket = "acme-staging"
    plan.training.machine_type = "n1-standard-8"
    plan.training.training_container = "us-docker.pkg.dev/vertex-ai/training/sklearn-cpu.1-0:latest"
    plan.training.hyperparameters = {"epochs": 5, "optimizer": "adam", "layers": [64, 32]}
    return MigrationContext(
        module="trainer.train",
        launchers=launchers,
        channels=[ChannelSpec("train", "--train", "gs://acme/data/train")],
        plan=plan,
    )


def test_ls006_python_launcher(tmp_path: Path) -> None:
    tree = tree_of({"launch.py": "import sagemaker\n", "train.py": ""})
    ls006_launcher.transform_project(tree, _context(["launch.py"]))
    source = tree.files["launch_vertex.py"]
    assert "launch.py" not in tree.files  # the original stays untouched
    assert 'PROJECT = "acme-ml"' in source and 'STAGING_BUCKET = "gs://acme-staging"' in source
    assert 'PYTHON_MODULE = "trainer.train"' in source
    assert '"epochs": "5"' in source and '"optimizer": "adam"' in source
    assert '"layers": "[64, 32]"' in source  # JSON-encoded like SageMaker passes it
    assert '"--train": "gs://acme/data/train"' in source
    assert "TODO(liftshift)" not in source  # every value known
    namespace: dict = {"__file__": str(tmp_path / "launch_vertex.py")}
    exec(
        compile(source.replace("from google.cloud import aiplatform, storage", ""), "l", "exec"),
        namespace,
    )
    assert namespace["trainer_args"]() == [
        "--epochs",
        "5",
        "--layers",
        "[64, 32]",
        "--optimizer",
        "adam",
        "--train",
        "gs://acme/data/train",
    ]


def test_ls006_launcher_passes_a_one_letter_hyperparameter_as_sagemaker_did(
    tmp_path: Path,
) -> None:
    tree = tree_of({"launch.py": "import sagemaker\n", "train.py": ""})
    ctx = _context(["launch.py"])
    ctx.plan.training.hyperparameters = {"C": 0.5, "max_iter": 200}
    ls006_launcher.transform_project(tree, ctx)
    source = tree.files["launch_vertex.py"]
    namespace: dict = {"__file__": str(tmp_path / "launch_vertex.py")}
    exec(
        compile(source.replace("from google.cloud import aiplatform, storage", ""), "l", "exec"),
        namespace,
    )
    assert namespace["trainer_args"]()[:4] == ["-C", "0.5", "--max_iter", "200"]


def test_ls006_notebook_launcher_and_todos_for_missing_values() -> None:
    tree = tree_of({"notebooks/launch.ipynb": "{}", "train.py": ""})
    context = _context(["notebooks/launch.ipynb"])
    context.plan.target.gcp_project = ""  # type: ignore[union-attr]
    ls006_launcher.transform_project(tree, context)
    notebook = json.loads(tree.files["notebooks/launch_vertex.ipynb"])
    code = "".join(notebook["cells"][1]["source"])
    cst.parse_module(code)
    assert 'PROJECT_DIR = Path("..").resolve()' in code
    assert "# TODO(liftshift): LS006: set PROJECT" in code
    assert notebook["cells"][2]["source"] == ["main()"]


def test_ls006_never_overwrites_an_existing_vertex_launcher() -> None:
    tree = tree_of({"launch.py": "", "launch_vertex.py": "# mine\n"})
    ls006_launcher.transform_project(tree, _context(["launch.py"]))
    assert not tree.files
