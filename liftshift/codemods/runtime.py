"""The tiny helpers the codemods insert into a migrated file.

The migrated trainer must not depend on liftshift at run time (it runs in Google's prebuilt
containers), so what SageMaker used to compute for the script — paths, host lists, GPU counts —
is computed by these few functions, written into the file once, just after its imports. They
read the Vertex AI environment (``AIP_*``, ``CLUSTER_SPEC``, ``TF_CONFIG``) and the command line
the training backends pass, and fall back to local defaults so the script still runs as a plain
program. Each helper imports what it needs inside, so the file's own imports stay untouched.
"""

from __future__ import annotations

import dataclasses
import functools

import libcst as cst

from liftshift.codemods.codegen import reused
from liftshift.codemods.passes import fast_visit

HELPERS: dict[str, str] = {
    "_liftshift_path": '''
def _liftshift_path(value):
    """Map a gs:// URI to its Cloud Storage FUSE path (/gcs/...); plain paths stay as given."""
    if isinstance(value, str) and value.startswith("gs://"):
        return "/gcs/" + value[len("gs://"):]
    return value
''',
    "_liftshift_arg": '''
def _liftshift_arg(flag, env=None, default=None):
    """The value of a command-line flag, else of the variable env, else the default."""
    import os
    import sys

    argv = sys.argv[1:]
    for index, item in enumerate(argv):
        if flag and item == flag and index + 1 < len(argv):
            return argv[index + 1]
        if flag and item.startswith(flag + "="):
            return item.split("=", 1)[1]
    if env and os.environ.get(env):
        return os.environ[env]
    return default
''',
    "_liftshift_required_arg": '''
def _liftshift_required_arg(flag):
    """The value of a flag the job must be given (the variable it replaces had to be set)."""
    value = _liftshift_arg(flag)
    if value is None:
        raise SystemExit(f"missing required argument {flag}")
    return value
''',
    "_liftshift_hyperparameters": '''
def _liftshift_hyperparameters(*paths):
    """The hyperparameters as a JSON object, rebuilt from the ``--key value`` arguments (and
    ``-k value``: SageMaker passes a one-letter key so) but not ``--job-dir`` nor the flags in
    paths: those carry folders, like SM_HPS never did. ``-0.5`` is a value, not a key."""
    import json
    import sys

    def key_of(item):
        if item.startswith("--"):
            return item[2:]
        if len(item) == 2 and item[0] == "-" and item[1].isalpha():
            return item[1]
        return None

    values = {}
    argv = sys.argv[1:]
    for index, item in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else "--"
        key = key_of(item)
        if item in ("--job-dir", *paths) or key is None or key_of(following) is not None:
            continue
        try:
            values[key] = json.loads(following)
        except ValueError:
            values[key] = following
    return json.dumps(values)
''',
    "_liftshift_output_dir": '''
def _liftshift_output_dir(subdir=""):
    """The job's output folder: beside the model under Vertex AI's base output directory."""
    import os

    model_dir = os.environ.get("AIP_MODEL_DIR", "").rstrip("/")
    base = model_dir.rsplit("/", 1)[0] + "/output" if model_dir else "output"
    return base + "/" + subdir if subdir else base
''',
    "_liftshift_folder": '''
def _liftshift_folder(path):
    """The folder, created if missing (SageMaker created /opt/ml/model and /opt/ml/output)."""
    import os

    if isinstance(path, str) and path and "://" not in path:
        os.makedirs(path, exist_ok=True)
    return path
''',
    "_liftshift_model_folder": '''
def _liftshift_model_folder(value):
    """The model folder argument: gs:// mapped to the FUSE mount, and the folder created."""
    return _liftshift_folder(_liftshift_path(value))
''',
    "_liftshift_savedmodel_at_root": '''
def _liftshift_savedmodel_at_root(export_path):
    """Move the SavedModel a TF estimator exported to <base>/<timestamp>/ up into <base>:
    Vertex AI's TensorFlow prediction container loads it from the model folder's root."""
    import os
    import shutil

    export_path = os.fsdecode(export_path)
    base = os.path.dirname(export_path.rstrip("/"))
    for name in os.listdir(export_path):
        target = os.path.join(base, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        elif os.path.exists(target):
            os.remove(target)
        shutil.move(os.path.join(export_path, name), target)
    os.rmdir(export_path)
    return base
''',
    "_liftshift_dmatrix": '''
def _liftshift_dmatrix(path, content_type="libsvm", *args, **kwargs):
    """xgboost.DMatrix over a channel folder's files (what SageMaker's get_dmatrix read):
    CSV with the label in the first column, else LibSVM; None for a missing or empty folder."""
    import os

    import numpy
    import xgboost

    if not path or not os.path.exists(path):
        return None
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if not n.startswith("."))
        files = [os.path.join(path, n) for n in names if os.path.isfile(os.path.join(path, n))]
    else:
        files = [path]
    if not files:
        return None
    if "csv" in str(content_type).lower():
        data = numpy.vstack([numpy.loadtxt(f, delimiter=",", ndmin=2) for f in files])
        return xgboost.DMatrix(data[:, 1:], label=data[:, 0])
    from sklearn.datasets import load_svmlight_files

    loaded = load_svmlight_files(files, zero_based=True)
    features = [loaded[i] for i in range(0, len(loaded), 2)]
    labels = [loaded[i] for i in range(1, len(loaded), 2)]
    import scipy.sparse

    return xgboost.DMatrix(scipy.sparse.vstack(features), label=numpy.concatenate(labels))
''',
    "_liftshift_config_dir": '''
def _liftshift_config_dir(channels):
    """SageMaker's /opt/ml/input/config, rebuilt from this job in a temporary folder:
    hyperparameters.json (values JSON-encoded, as the SageMaker SDK wrote them),
    resourceconfig.json (hosts) and inputdataconfig.json (channel name -> its flag)."""
    import json
    import os
    import tempfile

    folder = os.path.join(tempfile.gettempdir(), "liftshift-config-%d" % os.getpid())
    os.makedirs(folder, exist_ok=True)
    hyperparameters = json.loads(_liftshift_hyperparameters(*channels.values()))
    hosts, current = _liftshift_cluster()
    files = {
        "hyperparameters.json": {k: json.dumps(v) for k, v in hyperparameters.items()},
        "resourceconfig.json": {"current_host": current, "hosts": hosts},
        "inputdataconfig.json": {name: {"TrainingInputMode": "File"} for name in channels},
    }
    for name, content in files.items():
        with open(os.path.join(folder, name), "w") as out:
            json.dump(content, out)
    return folder
''',
    "_liftshift_num_gpus": '''
def _liftshift_num_gpus():
    """How many GPUs this machine has (as a string, like the variable it replaces)."""
    import subprocess

    try:
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout
    except OSError:
        return "0"
    return str(sum(1 for line in listing.splitlines() if line.startswith("GPU ")))
''',
    "_liftshift_num_cpus": '''
def _liftshift_num_cpus():
    """How many CPUs this machine has (as a string, like the variable it replaces)."""
    import os

    return str(os.cpu_count() or 1)
''',
    "_liftshift_cluster": '''
def _liftshift_cluster():
    """(hosts, this host) from Vertex AI's CLUSTER_SPEC or TF_CONFIG; localhost otherwise."""
    import json
    import os

    spec = json.loads(os.environ.get("CLUSTER_SPEC") or os.environ.get("TF_CONFIG") or "{}")
    cluster = spec.get("cluster", {})
    task = spec.get("task", {})
    hosts = [address.split(":")[0] for pool in sorted(cluster) for address in cluster[pool]]
    pool = cluster.get(task.get("type", ""), [])
    index = task.get("index", 0)
    current = pool[index].split(":")[0] if index < len(pool) else "localhost"
    return hosts or ["localhost"], current
''',
    "_liftshift_hosts": '''
def _liftshift_hosts():
    """The host names of the job as a JSON list (as a string, like the variable it replaces)."""
    import json

    return json.dumps(_liftshift_cluster()[0])
''',
    "_liftshift_current_host": '''
def _liftshift_current_host():
    """This machine's host name within the job."""
    return _liftshift_cluster()[1]
''',
}

DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "_liftshift_required_arg": ("_liftshift_arg",),
    "_liftshift_model_folder": ("_liftshift_path", "_liftshift_folder"),
    "_liftshift_config_dir": ("_liftshift_hyperparameters", "_liftshift_cluster"),
    "_liftshift_hosts": ("_liftshift_cluster",),
    "_liftshift_current_host": ("_liftshift_cluster",),
}

HELPER_NAMES = frozenset(HELPERS)


@functools.cache
def _placed(name: str) -> cst.FunctionDef:
    """The helper as every file gets it (two blank lines above): one object for all files, so
    its text is generated once (:func:`liftshift.codemods.codegen.module_code`)."""
    statement = cst.parse_module(HELPERS[name].lstrip("\n")).body[0]
    assert isinstance(statement, cst.FunctionDef)
    return reused(statement.with_changes(leading_lines=[cst.EmptyLine()] * 2))


class _UsedHelpers(cst.CSTVisitor):
    # a class of the module, not of the call: the walk tables are cached per visitor class
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in HELPER_NAMES:
            self.found.add(node.value)


def used_helpers(module: cst.Module) -> set[str]:
    """Names of helpers the module calls or refers to (e.g. ``type=_liftshift_path``)."""
    collect = _UsedHelpers()
    fast_visit(module, collect)
    return collect.found


def defined_functions(module: cst.Module) -> set[str]:
    return {stmt.name.value for stmt in module.body if isinstance(stmt, cst.FunctionDef)}


def ensure_helpers(module: cst.Module, used: set[str] | None = None) -> cst.Module:
    """Insert the definitions of every helper the module uses and lacks, after its imports.
    ``used`` (when the caller already knows it) saves a walk of the tree."""
    needed = set(used_helpers(module) if used is None else used)
    for name in list(needed):
        needed.update(DEPENDENCIES.get(name, ()))
    needed -= defined_functions(module)
    missing = [name for name in HELPERS if name in needed]
    if not missing:
        return module
    body = list(module.body)
    position = _after_imports(body)
    new = []
    for name in missing:
        new.append(_placed(name))
    if position < len(body):
        following = body[position]
        lines = list(getattr(following, "leading_lines", ()))
        blanks = sum(1 for line in lines if line.comment is None and not line.whitespace.value)
        if blanks < 2:
            lines = [cst.EmptyLine()] * (2 - blanks) + lines
            body[position] = following.with_changes(leading_lines=lines)
    body[position:position] = new
    return module.with_changes(body=body)


def _after_imports(body: list[cst.BaseStatement]) -> int:
    """Index just after the leading docstring / imports / ``sys.path`` tweaks block."""
    position = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, cst.Import | cst.ImportFrom)
            or (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString))
            for small in statement.body
        ):
            position = index + 1
            continue
        if isinstance(statement, cst.Try | cst.If) and _only_imports(statement):
            position = index + 1
            continue
        break
    return position


def _only_imports(statement: cst.CSTNode) -> bool:
    """A ``try: import x except ImportError: …`` or ``if TYPE_CHECKING: import …`` block: every
    statement line in it (at any depth) is an import or ``pass``, and there is one at least.
    Stops at the first other line (an ``if __name__ == "__main__":`` block can be most of a
    file)."""
    found = False
    pending: list[object] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.SimpleStatementLine):
            if not all(
                isinstance(small, cst.Import | cst.ImportFrom | cst.Pass) for small in node.body
            ):
                return False
            found = True
            continue
        for field in dataclasses.fields(node):  # type: ignore[arg-type]
            value = getattr(node, field.name)
            for child in value if isinstance(value, list | tuple) else (value,):
                if isinstance(child, STATEMENT_HOLDERS):
                    pending.append(child)
    return found


# Nodes that can hold statement lines; expressions never do.
STATEMENT_HOLDERS = (
    cst.BaseStatement,
    cst.BaseSuite,
    cst.Else,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Finally,
    cst.MatchCase,
)
