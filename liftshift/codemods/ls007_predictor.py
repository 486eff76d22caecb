"""LS007 predictor: SageMaker inference handlers become a Vertex AI custom prediction routine.

SageMaker's framework serving containers call the project's own ``model_fn(model_dir)``,
``input_fn(body, content_type)``, ``predict_fn(data, model)`` and ``output_fn(prediction,
accept)`` (or ``transform_fn(model, body, content_type, accept)`` instead of the last three).
Vertex AI's prebuilt prediction containers call none of them, so the version liftshift registers
would answer differently from the SageMaker endpoint. Vertex's counterpart is a custom
prediction routine: a ``google.cloud.aiplatform.prediction.Predictor`` that Vertex's model
server loads once and calls as ``postprocess(predict(preprocess(request)))``.

When the entry point defines the handlers (at least ``model_fn``), or a separate ``inference.py``
does (next to the entry point or under ``code/``, SageMaker's ``model.tar.gz`` layout; it moves
into the package and goes through the same rewrites as the trainer), this rule writes
``<package>/predictor.py`` with a ``Predictor`` subclass that imports that module and calls its
handlers unchanged; a handler that is absent gets the default the SageMaker container used.
The predictor ships in the trainer package (``setup.py`` from LS001 packages all of it), and
``model.serving = "cpr"`` in the plan serves it. LS005's "use a custom container" TODO on the
handlers it serves is removed. An existing predictor file is never overwritten.
"""

from __future__ import annotations

import posixpath

import libcst as cst

from liftshift.codemods import ls001_package_module
from liftshift.codemods.base import (
    TODO_PREFIX,
    FileContext,
    MigrationContext,
    ProjectTree,
    Rule,
)
from liftshift.foundation.plan import PREDICTOR_CLASS

CODE = "LS007"
HANDLERS = ("model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn")
INFERENCE_MODULES = ("inference.py", "code/inference.py")
"""Where SageMaker projects keep handlers apart from the trainer (``Model(entry_point=…)``)."""
GENERATED = "Made by liftshift (LS007)."
"""In the predictor's docstring: the file rules leave a generated predictor alone."""
LS005_HANDLER_TODO = "is a SageMaker inference handler; Vertex AI prebuilt prediction containers"
FRAMEWORK_PREDICT = {
    "pytorch": "the PyTorch container ran model(torch.as_tensor(data)) under torch.no_grad()",
    "tensorflow": "the TensorFlow container served the SavedModel with TensorFlow Serving",
    "huggingface": "the Hugging Face container ran a transformers pipeline",
}


def handler_names(module: cst.Module) -> list[str]:
    """The SageMaker serving handlers a module defines at top level, in :data:`HANDLERS` order.
    ``model_fn(features, labels, mode)`` (TF Estimator) and a training ``input_fn`` are not."""
    found = set()
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value in HANDLERS:
            params = [param.name.value for param in statement.params.params]
            if _serving_signature(statement.name.value, params):
                found.add(statement.name.value)
    return [name for name in HANDLERS if name in found]


def _serving_signature(name: str, params: list[str]) -> bool:
    if name == "model_fn":
        return len(params) in (1, 2) and "features" not in params
    if name == "input_fn":
        return len(params) in (2, 3) and any(
            word in param for param in params for word in ("content", "request", "type")
        )
    if name == "transform_fn":
        return len(params) in (4, 5)
    return len(params) in (2, 3)


def is_generated(text: str) -> bool:
    """Whether ``text`` is a predictor this rule wrote."""
    return GENERATED in text[:400]


def text_handler_names(text: str) -> list[str]:
    """:func:`handler_names` for source text (``[]`` when it does not parse)."""
    if "_fn" not in text:
        return []
    try:
        return handler_names(cst.parse_module(text))
    except cst.ParserSyntaxError:
        return []


def transform_project(tree: ProjectTree, ctx: MigrationContext) -> None:
    package_dir = ctx.package.replace(".", "/") + "/"
    if not tree.entry.startswith(package_dir):  # LS001 skipped or refused
        if _handlers_of(tree, tree.entry):
            message = (
                f"the SageMaker inference handlers were not made a Vertex AI predictor: it "
                f"ships in the {ctx.package}/ package, which LS001 makes (run it too)"
            )
            tree.notes.append((tree.entry, 0, CODE, message))
        return
    path, handlers = _handler_module(tree, ctx, package_dir)
    if not path:
        return
    if "model_fn" not in handlers:
        message = (
            f"{path} has SageMaker inference handlers ({', '.join(handlers)}) but no model_fn "
            "to load the model with; no Vertex AI predictor was made"
        )
        tree.notes.append((path, 0, CODE, message))
        return
    _drop_ls005_todos(tree, path)
    target = f"{package_dir}predictor.py"
    if tree.exists(target):  # ours from an earlier run, or the user's own: never overwritten
        if not is_generated(tree.read(target) or ""):
            message = (
                f"{target} is not the predictor liftshift writes; it was left alone: "
                f'model.serving = "cpr" serves its class {PREDICTOR_CLASS}'
            )
            tree.notes.append((target, 0, CODE, message))
        return
    dotted = path.removeprefix(package_dir).removesuffix(".py").replace("/", ".")
    tree.write(target, predictor_source(dotted, path, handlers, ctx.framework))


def _handler_module(
    tree: ProjectTree, ctx: MigrationContext, package_dir: str
) -> tuple[str, list[str]]:
    """The module whose handlers the endpoint ran: a separate ``inference.py`` wins (that is
    what a SageMaker ``Model`` names), else the entry point, else another trainer module."""
    moved = f"{package_dir}inference.py"
    source_dir = posixpath.dirname(tree.origin.get(tree.entry, ctx.entry_point))
    for name in INFERENCE_MODULES:
        for folder in dict.fromkeys((source_dir, "")):
            candidate = posixpath.join(folder, name) if folder else name
            if tree.exists(candidate) and not candidate.startswith(package_dir):
                handlers = _handlers_of(tree, candidate)
                if "model_fn" in handlers and not tree.exists(moved):
                    _move_in(tree, ctx, candidate, moved)
                    return moved, handlers
    for path in [moved, *tree.trainer_files]:
        if tree.exists(path) and path.endswith(".py"):
            handlers = _handlers_of(tree, path)
            if handlers:
                return path, handlers
    return "", []


def _handlers_of(tree: ProjectTree, path: str) -> list[str]:
    text = tree.read(path)
    if text is None or "_fn" not in text:
        return []
    try:
        module = tree.module(path)
    except cst.ParserSyntaxError:
        return []
    return handler_names(module) if module is not None else []


def _move_in(tree: ProjectTree, ctx: MigrationContext, old: str, new: str) -> None:
    """The separate handler module joins the package with the project modules it imports (as
    LS001 moves the trainer's), and they get the trainer's rewrites."""
    package_dir = posixpath.dirname(new) + "/"
    source_dir = posixpath.dirname(old)
    local = {  # modules LS001 already moved in
        posixpath.basename(origin).removesuffix(".py")
        for current, origin in tree.origin.items()
        if current.endswith(".py")
    }
    moves = {old: new}
    pending = [old]
    while pending:
        found = ls001_package_module.project_imports(tree, pending.pop(), source_dir, ctx.package)
        for name, files in found.items():
            local.add(name)
            for file in files:
                target = package_dir + posixpath.relpath(file, source_dir or ".")
                if file not in moves and not tree.exists(target):
                    moves[file] = target
                    pending.append(file)
    for source, target in moves.items():
        tree.move(source, target)
    for target in moves.values():
        folder = posixpath.dirname(target)
        if target.endswith(".py") and not tree.exists(f"{folder}/__init__.py"):
            tree.write(f"{folder}/__init__.py", "")  # find_packages() needs it
    for target in moves.values():
        if target.endswith(".py"):
            ls001_package_module.relativise(tree, target, local)
            tree.trainer_files.append(target)
            _rewrite_like_the_trainer(tree, ctx, target)


def _rewrite_like_the_trainer(tree: ProjectTree, ctx: MigrationContext, path: str) -> None:
    """The file rules of this run (LS002 to LS005) over the moved module, as over the trainer."""
    from liftshift.codemods.registry import RULES  # the registry imports this module

    module = tree.module(path)
    if module is None:
        return
    fctx = FileContext(path, False, ctx, tree.read(path))
    start = module
    for rule in RULES:
        if rule.transform_file is not None and (
            not ctx.selected_rules or rule.code in ctx.selected_rules
        ):
            module = rule.transform_file(module, fctx)
    if module is not start:
        tree.write_module(path, module)


def _drop_ls005_todos(tree: ProjectTree, path: str) -> None:
    """The handlers are served now: LS005's "Vertex does not call it" no longer holds."""
    text = tree.read(path) or ""
    if LS005_HANDLER_TODO not in text:
        return
    module = tree.module(path)
    if module is None:
        return
    body = []
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value in HANDLERS:
            lines = [
                line
                for line in statement.leading_lines
                if line.comment is None or LS005_HANDLER_TODO not in line.comment.value
            ]
            body.append(statement.with_changes(leading_lines=lines))
        else:
            body.append(statement)
    header = [
        line
        for line in module.header
        if line.comment is None or LS005_HANDLER_TODO not in line.comment.value
    ]
    tree.write_module(path, module.with_changes(body=body, header=header))


HEADER = '''"""Vertex AI custom prediction routine for the SageMaker inference handlers of {source}.

{generated} Vertex AI's model server (google.cloud.aiplatform.prediction) loads
this class once with the model's artifact folder (AIP_STORAGE_URI), then answers each request
with postprocess(predict(preprocess(request))). Every step calls the project's own handlers,
unchanged: {used}.{defaults}
"""

import json
import os
import tempfile

from google.cloud.aiplatform.prediction.predictor import Predictor
from google.cloud.aiplatform.utils import prediction_utils

from {import_from} import {leaf} as handlers

CONTENT_TYPE = "application/json"
ACCEPT = "application/json"
'''

HELPERS = '''

def model_directory(artifacts_uri):
    """The artifact folder on local disk: a gs:// folder is downloaded (the SDK's helper, as
    Vertex's own predictors do), a local folder is used where it is."""
    if artifacts_uri.startswith("gs://"):
        folder = tempfile.mkdtemp(prefix="model-")
        here = os.getcwd()
        os.chdir(folder)  # the helper downloads into the current directory
        try:
            prediction_utils.download_model_artifacts(artifacts_uri)
        finally:
            os.chdir(here)
        return folder
    return os.path.abspath(artifacts_uri)


def request_body(prediction_input):
    """The JSON body a SageMaker client sent: the instances list itself. Vertex hands over the
    decoded request, {"instances": [...], "parameters": {...}}."""
    if isinstance(prediction_input, dict) and "instances" in prediction_input:
        return json.dumps(prediction_input["instances"])
    return json.dumps(prediction_input)


def jsonable(value):
    """numpy arrays and scalars (what predict and the handlers return) as plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def as_predictions(encoded):
    """What output_fn (or transform_fn) returned, as Vertex's "predictions" list: the body of a
    (body, content_type) pair, decoded from JSON (one entry per line when it is not JSON)."""
    if isinstance(encoded, tuple) and len(encoded) == 2:
        encoded = encoded[0]
    if isinstance(encoded, bytes):
        encoded = encoded.decode("utf-8")
    if isinstance(encoded, str):
        try:
            encoded = json.loads(encoded)
        except ValueError:
            return encoded.splitlines()
    encoded = jsonable(encoded)
    if isinstance(encoded, dict) and "predictions" in encoded:
        return encoded["predictions"]
    return encoded if isinstance(encoded, list) else [encoded]
'''


def predictor_source(dotted: str, source: str, handlers: list[str], framework: str) -> str:
    """The text of ``predictor.py`` for the handlers found in ``source`` (module ``dotted``
    inside the package)."""
    parent, _, leaf = dotted.rpartition(".")
    defaults = []
    transform = "transform_fn" in handlers
    if not transform:
        if "input_fn" not in handlers:
            defaults.append("no input_fn: the JSON instances become a numpy array")
        if "predict_fn" not in handlers:
            defaults.append("no predict_fn: model.predict(data)")
        if "output_fn" not in handlers:
            defaults.append("no output_fn: the prediction as a JSON list")
    served = ("model_fn", "transform_fn") if transform else HANDLERS
    used = ", ".join(name for name in handlers if name in served)
    default_text = ""
    if defaults:
        default_text = (
            "\nWhere the project has no handler, the SageMaker container's default is used ("
            + "; ".join(defaults)
            + ")."
        )
    if transform and len(handlers) > 2:
        default_text += (
            "\ntransform_fn replaces input_fn, predict_fn and output_fn, as on SageMaker."
        )
    header = HEADER.format(
        generated=GENERATED,
        source=source,
        used=used,
        defaults=_wrap(default_text),
        import_from="." + parent,
        leaf=leaf,
    )
    return header + HELPERS + "\n\n" + _class_source(handlers, framework)


def _wrap(text: str, width: int = 96) -> str:
    """Docstring paragraphs wrapped at the project's line length."""
    import textwrap

    lines = []
    for paragraph in text.split("\n"):
        lines.append(textwrap.fill(paragraph, width) if paragraph else "")
    return "\n".join(lines)


def _class_source(handlers: list[str], framework: str) -> str:
    lines = [
        f"class {PREDICTOR_CLASS}(Predictor):",
        '    """The SageMaker handlers behind the Predictor interface Vertex AI serves."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        "        self._model = None",
        "",
        "    def load(self, artifacts_uri, **kwargs):",
        "        # SageMaker called model_fn with the unpacked model.tar.gz folder, which was",
        "        # also SM_MODEL_DIR there; handler reads of it now read AIP_MODEL_DIR, as in",
        "        # the trainer",
        "        model_dir = model_directory(artifacts_uri)",
        '        os.environ["AIP_MODEL_DIR"] = model_dir',
        "        self._model = handlers.model_fn(model_dir)",
        "",
        "    def preprocess(self, prediction_input):",
    ]
    if "transform_fn" in handlers:
        lines += [
            "        # transform_fn decodes the body itself: the JSON text of the instances",
            "        return request_body(prediction_input)",
            "",
            "    def predict(self, instances):",
            "        return handlers.transform_fn(self._model, instances, CONTENT_TYPE, ACCEPT)",
            "",
            "    def postprocess(self, prediction_results):",
            '        return {"predictions": as_predictions(prediction_results)}',
        ]
        return "\n".join(lines) + "\n"
    if "input_fn" in handlers:
        lines += [
            "        # input_fn gets what a SageMaker client sent: the JSON text of the instances",
            "        # list (for example [[3, 22.0, ...], ...] or [{...}, ...] records) and",
            '        # "application/json"; Vertex accepts JSON requests only, so a CSV branch of',
            "        # input_fn is not reached here",
            "        return handlers.input_fn(request_body(prediction_input), CONTENT_TYPE)",
        ]
    else:
        lines += [
            "        # SageMaker's default JSON decoder: numpy.array(json.loads(body))",
            "        import numpy",
            "",
            "        return numpy.array(json.loads(request_body(prediction_input)))",
        ]
    lines += ["", "    def predict(self, instances):"]
    if "predict_fn" in handlers:
        lines.append("        return handlers.predict_fn(instances, self._model)")
    else:
        note = FRAMEWORK_PREDICT.get(framework.lower())
        if note:
            lines.append(
                f"        {TODO_PREFIX} {CODE}: no predict_fn and {note}; check that "
                "model.predict is the same"
            )
        lines.append("        return self._model.predict(instances)")
    lines += ["", "    def postprocess(self, prediction_results):"]
    if "output_fn" in handlers:
        lines.append(
            '        return {"predictions": as_predictions('
            "handlers.output_fn(prediction_results, ACCEPT))}"
        )
    else:
        lines.append('        return {"predictions": as_predictions(prediction_results)}')
    return "\n".join(lines) + "\n"


RULE = Rule(
    code=CODE,
    name="predictor",
    description="SageMaker inference handlers become a Vertex AI custom prediction routine.",
    docs=__doc__ or "",
    transform_project=transform_project,
)
