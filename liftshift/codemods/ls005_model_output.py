"""LS005 model-output: save the model under the names Vertex AI prediction containers load.

Vertex AI's prebuilt prediction containers look in the model directory for ``model.joblib`` or
``model.pkl`` (scikit-learn), ``model.bst`` (XGBoost) or a SavedModel at its root (TensorFlow: no
numbered version folder, unlike TensorFlow Serving on SageMaker). The folder itself comes from
LS002. The one artifact a container loads (the XGBoost booster, else the only or the model-like
pickle, its path followed through variables and ``open()``) is renamed everywhere in the file (so
a ``model_fn`` that loads the same name keeps working); other artifacts (a vectoriser) keep their
names; version folders go in one run; ``export_saved_model``'s timestamped folder is moved to the
root. What cannot be made servable (several candidates, a path built at run time, Keras ``.h5``,
``torch.save``, ONNX, TorchScript, MXNet/CatBoost/LightGBM models) and SageMaker inference
handlers (``model_fn``, ``input_fn``, ``predict_fn``, ``output_fn``) get a TODO: no prebuilt
container loads the first or calls the second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from liftshift.codemods.base import (
    TODO_PREFIX,
    FileContext,
    Rule,
    add_todo,
    quote_like,
    string_value,
)
from liftshift.codemods.codegen import bare_code
from liftshift.codemods.cstutil import StatementTodos, dotted_name
from liftshift.codemods.passes import FilePass, fast_visit, transform_with
from liftshift.codemods.runtime import ensure_helpers

CODE = "LS005"
VERSION_DIR = re.compile(r"^\d+$")
HANDLERS = {"model_fn", "input_fn", "predict_fn", "output_fn", "transform_fn"}
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".sav")


# Plain checks instead of libcst matchers: these run on every call of a file, and a matcher
# costs 30 to 60 times as much as the isinstance tests it amounts to.
def _is_name(node: cst.BaseExpression, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def _is_attribute(node: cst.BaseExpression, owner: str, attr: str) -> bool:
    return (
        isinstance(node, cst.Attribute) and _is_name(node.value, owner) and node.attr.value == attr
    )


def _is_join(node: cst.BaseExpression) -> bool:
    """``os.path.join(...)``."""
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    return node.func.attr.value == "join" and _is_attribute(node.func.value, "os", "path")


def _is_path_call(node: cst.BaseExpression) -> bool:
    """``Path(folder, "model.pkl")``: the file name is its last argument."""
    return isinstance(node, cst.Call) and (
        _is_name(node.func, "Path") or _is_attribute(node.func, "pathlib", "Path")
    )


def _last_literal(path: cst.BaseExpression) -> cst.SimpleString | None:
    """The file-name literal at the end of a path expression, if there is one."""
    if _is_join(path) and path.args:  # type: ignore[attr-defined]
        last = path.args[-1].value  # type: ignore[attr-defined]
        return last if isinstance(last, cst.SimpleString) else None
    if isinstance(path, cst.BinaryOperation) and isinstance(path.right, cst.SimpleString):
        return path.right  # folder + "/model.pkl", Path(folder) / "model.pkl"
    if _is_path_call(path) and path.args:  # type: ignore[attr-defined]
        last = path.args[-1].value  # type: ignore[attr-defined]
        return last if isinstance(last, cst.SimpleString) else None
    if isinstance(path, cst.SimpleString):
        return path
    return None


MODEL_WORDS = re.compile(
    r"model|clf|classifier|regressor|estimator|pipe|booster|bst|gbm|xgb|forest|svm|svc|"
    r"tree|knn|net|learner|predictor",
    re.IGNORECASE,
)
SIDE_WORDS = re.compile(
    r"vector|tfidf|encod|scaler|token|vocab|transform|preprocess|imputer|label|feature|"
    r"column|meta|config|stat|histor|mapping|dict|norm|pca|selector",
    re.IGNORECASE,
)
SERVED_NAMES = frozenset({"model.joblib", "model.pkl", "model.bst"})
BOOSTER_SUFFIXES = (".bin", ".model", ".booster")
"""Names XGBoost trainers give a pickled booster (``model.bin``): it becomes ``model.pkl``."""


@dataclass
class _Artifact:
    """One ``joblib.dump``/``pickle.dump``/``save_model`` call and what it writes."""

    owner: str
    """``joblib``, ``pickle`` or ``xgboost``."""
    call: cst.Call
    path: str | None
    """The file path literal at the end of its path (through a variable), None if built."""
    saved: str
    """The code of what it saves (``clf``, ``vectorizer``)."""

    @property
    def name(self) -> str:
        return (self.path or "").rsplit("/", 1)[-1]

    def looks_like_model(self) -> bool:
        words = f"{self.saved} {self.name}"
        return MODEL_WORDS.search(words) is not None and not self.side_artifact()

    def side_artifact(self) -> bool:
        return SIDE_WORDS.search(f"{self.saved} {self.name}") is not None


class _Plan(cst.CSTVisitor):
    """First pass: what the file saves, so the one artifact a prediction container loads is
    renamed (everywhere in the file) and the others keep their names."""

    def __init__(self) -> None:
        self.artifacts: list[_Artifact] = []
        self.assignments: dict[str, cst.BaseExpression] = {}
        """name → the path expression last assigned to it (``path = os.path.join(...)``,
        ``with open(path, "wb") as f``)."""
        self.uses_xgboost = False
        self.savers = {"joblib": "joblib", "pickle": "pickle"}
        """Local name → module, for ``import pickle as pkl``."""

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted_name(alias.name)
            if name.startswith("xgboost"):
                self.uses_xgboost = True
            if name in ("joblib", "pickle") and alias.asname is not None:
                asname = alias.asname.name
                if isinstance(asname, cst.Name):
                    self.savers[asname.value] = name

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and dotted_name(node.module).startswith("xgboost"):
            self.uses_xgboost = True

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.assignments[node.targets[0].target.value] = node.value

    def visit_WithItem(self, node: cst.WithItem) -> None:
        item = node.item
        if (
            node.asname is not None
            and isinstance(node.asname.name, cst.Name)
            and isinstance(item, cst.Call)
            and _is_name(item.func, "open")
            and item.args
        ):
            self.assignments[node.asname.name.value] = item

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or not node.args:
            return
        owner = self.savers.get(func.value.value, "") if isinstance(func.value, cst.Name) else ""
        if func.attr.value == "dump" and owner and len(node.args) > 1:
            saved = bare_code(node.args[0].value)
            self.artifacts.append(_Artifact(owner, node, self._path(node.args[1].value), saved))
        if func.attr.value == "save_model" and self.uses_xgboost:
            saved = bare_code(func.value)
            path = self._path(node.args[0].value)
            self.artifacts.append(_Artifact("xgboost", node, path, saved))

    def _path(self, target: cst.BaseExpression) -> str | None:
        for _ in range(3):  # a variable, an open() file, a variable holding the path
            if isinstance(target, cst.Name) and target.value in self.assignments:
                target = self.assignments[target.value]
            elif isinstance(target, cst.Call) and _is_name(target.func, "open") and target.args:
                target = target.args[0].value
            else:
                break
        literal = _last_literal(target)
        value = string_value(literal) if literal is not None else None
        return value or None

    def decide(self) -> tuple[dict[str, str], list[tuple[cst.Call, str]]]:
        """(file renames, (call, TODO message)): the served artifact gets its served name."""
        artifacts = self.artifacts
        if not artifacts or any(a.name in SERVED_NAMES for a in artifacts):
            return {}, []
        boosters = [a for a in artifacts if a.owner == "xgboost"]
        chosen = _one(boosters) or _one(a for a in artifacts if a.owner != "xgboost")
        if chosen is None:
            if all(a.side_artifact() for a in artifacts):
                return {}, []  # a vectoriser or encoder: the model is saved some other way
            first = next((a for a in artifacts if a.looks_like_model()), artifacts[0])
            return {}, [(first.call, SEVERAL_TODO)]
        if chosen.path is None:
            return {}, [(chosen.call, BUILT_PATH_TODO)]
        name = chosen.name
        if chosen.owner == "xgboost":
            wanted = "model.bst"
        elif (
            "." in name
            and not name.endswith(PICKLE_SUFFIXES)
            and not (self.uses_xgboost and name.endswith(BOOSTER_SUFFIXES))
        ):
            return {}, []  # a .csv or .json file: not the model
        elif chosen.owner == "joblib":
            wanted = "model.joblib"  # the container reads model.pkl with pickle, not joblib
        else:
            wanted = "model.pkl"
        return {chosen.path: chosen.path[: len(chosen.path) - len(name)] + wanted}, []


def _one(artifacts: Iterable[_Artifact]) -> _Artifact | None:
    """The model among these saves: the only file saved, else the only model-like one."""
    found = list(artifacts)
    if not found:
        return None
    if len({a.path for a in found}) == 1:
        return None if found[0].side_artifact() else found[0]
    models = [a for a in found if a.looks_like_model()]
    return models[0] if len({a.path for a in models}) == 1 else None


SEVERAL_TODO = (
    "several artifacts are saved and none is clearly the model; save the one Vertex AI "
    "prediction containers load as model.joblib/model.pkl (scikit-learn) or model.bst "
    "(XGBoost) in the model folder"
)
BUILT_PATH_TODO = (
    "the model is saved to a path built at run time; Vertex AI prediction containers load "
    "model.joblib/model.pkl (scikit-learn) or model.bst (XGBoost) from the model folder"
)
KERAS_FILE_TODO = (
    "a Keras {suffix} file is not what Vertex AI's TensorFlow prediction container loads; "
    "export a SavedModel to the model folder (model.export(path) or tf.saved_model.save)"
)


def strip_version(path: cst.BaseExpression) -> cst.BaseExpression | None:
    """The path without a trailing TensorFlow Serving version folder (``/1``,
    ``"000000001"``): Vertex AI serves the SavedModel at the model folder's root."""
    if _is_join(path) and len(path.args) >= 2:  # type: ignore[attr-defined]
        args = list(path.args)  # type: ignore[attr-defined]
        last = string_value(args[-1].value)
        if last is None or not VERSION_DIR.match(last.strip("/")):
            return None
        if len(args) == 2:
            return args[0].value.with_changes(lpar=(), rpar=())
        rest = args[:-1]
        rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return path.with_changes(args=rest)  # type: ignore[attr-defined]
    if isinstance(path, cst.BinaryOperation) and isinstance(path.operator, cst.Add):
        last = string_value(path.right)
        if last is not None and VERSION_SUFFIX.fullmatch(last):
            return path.left
    if isinstance(path, cst.FormattedString) and len(path.parts) >= 2:
        tail = path.parts[-1]
        if isinstance(tail, cst.FormattedStringText) and isinstance(
            path.parts[-2], cst.FormattedStringExpression
        ):
            found = VERSION_SUFFIX.search(tail.value)
            if found and found.end() == len(tail.value):
                text = tail.value[: found.start()]
                parts = list(path.parts[:-1])
                if text:
                    parts.append(tail.with_changes(value=text))
                return path.with_changes(parts=parts)
    return None


VERSION_SUFFIX = re.compile(r"/0*\d+/?$")
MODEL_DIR_TEXT = re.compile(r"model|job_dir|export|_liftshift_", re.IGNORECASE)


class _Rewrite(StatementTodos):
    def __init__(
        self,
        renames: dict[str, str],
        todos: dict[int, str],
        tensorflow: bool,
    ) -> None:
        super().__init__(CODE)
        self.renames = renames
        self.call_todos = todos
        self.tensorflow = tensorflow
        self.changed = False
        self.helpers: set[str] = set()
        self.transformers = False
        """The file uses Hugging Face transformers (its save_model is not a served format)."""
        self.autogluon = False
        """The file imports AutoGluon: its predictors write their own folder when they fit."""
        self.unserved_framework = ""
        """What the file saves when it imports MXNet, CatBoost or LightGBM ("an MXNet model"):
        no prebuilt container loads those."""
        self.folder_writes: dict[str, cst.BaseExpression] | None = None
        """When the trainer saves no model with a library: the file's assignments (name →
        value), to follow a path variable; its own writes into the model folder are tagged."""
        self._at_root = 0

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.BaseExpression
    ) -> cst.BaseExpression:
        if not self.renames or not any(name in original_node.value for name in self.renames):
            return updated_node
        value = string_value(original_node)
        if value not in self.renames:
            return updated_node
        self.changed = True
        new = self.renames[value]
        if updated_node is original_node:
            return quote_like(original_node, new)
        # LS002 made "/opt/ml/model/x.pkl" os.path.join(<model folder>, "x.pkl") in this walk
        tail = _last_literal(updated_node)
        old_name, new_name = value.rsplit("/", 1)[-1], new.rsplit("/", 1)[-1]
        if tail is None or string_value(tail) != old_name or not _is_join(updated_node):
            return updated_node
        args = list(updated_node.args)  # type: ignore[attr-defined]
        args[-1] = args[-1].with_changes(value=quote_like(tail, new_name))
        return updated_node.with_changes(args=args)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        # export_path = os.path.join(model_dir, "1"): in a TensorFlow file, the folder the
        # SavedModel goes to
        if not self.tensorflow or len(updated_node.targets) != 1:
            return updated_node
        stripped = strip_version(updated_node.value)
        if stripped is None:
            return updated_node
        if not MODEL_DIR_TEXT.search(bare_code(stripped)):
            return updated_node
        self.changed = True
        return updated_node.with_changes(value=stripped)

    def visit_Call(self, node: cst.Call) -> None:
        if _is_name(node.func, "_liftshift_savedmodel_at_root"):
            self._at_root += 1

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        name = dotted_name(func)
        if name == "_liftshift_savedmodel_at_root":
            self._at_root -= 1
            return updated_node
        message = self.call_todos.get(id(original_node))
        if message:
            self.todo(message)
        if self.folder_writes is not None:
            self._folder_write(original_node, updated_node, name)
        if name.rsplit(".", 1)[-1] in EXPORTERS:
            self.todo(EXPORTER_TODO)
            return updated_node
        if name in {"torch.save"}:
            self.todo(
                "Vertex AI's PyTorch prediction container loads a TorchServe archive "
                "(model.mar); package the saved weights with torch-model-archiver"
            )
        if self.autogluon and name.rsplit(".", 1)[-1] in AUTOGLUON_PREDICTORS:
            self.todo(AUTOGLUON_TODO)
            return updated_node
        if name in UNSERVED_CALLS:
            self.todo(UNSERVED_TODO.format(what=UNSERVED_CALLS[name]))
            return updated_node
        attr = func.attr.value if isinstance(func, cst.Attribute) else ""
        if self.unserved_framework and _saves_a_model(func, attr):
            self.todo(UNSERVED_TODO.format(what=self.unserved_framework))
            return updated_node
        if self.transformers and attr in {"save_model", "save_pretrained"}:
            self.todo(HUGGING_FACE_TODO)
            return updated_node
        if attr in {"export_saved_model", "export_savedmodel"} and not self._at_root:
            # a TF estimator writes <base>/<timestamp>/: the container wants it at the root
            self.changed = True
            self.helpers.add("_liftshift_savedmodel_at_root")
            call = cst.Call(func=cst.Name("_liftshift_savedmodel_at_root"))
            return call.with_changes(args=[cst.Arg(updated_node)])
        is_tf_save = name in {"tf.saved_model.save", "tf.keras.models.save_model"} or (
            attr in {"save", "export"}
        )
        if not is_tf_save:
            return updated_node
        args = list(updated_node.args)
        index = 1 if name in {"tf.saved_model.save", "tf.keras.models.save_model"} else 0
        if len(args) <= index or args[index].keyword is not None:
            return updated_node
        path = args[index].value
        tail = _last_literal(path)
        literal = string_value(tail) if tail is not None else None
        if self.tensorflow and literal and literal.endswith((".h5", ".keras")):
            self.todo(KERAS_FILE_TODO.format(suffix=literal.rsplit(".", 1)[-1]))
            return updated_node
        stripped = strip_version(path)
        if self.tensorflow and _in_subfolder(stripped if stripped is not None else path):
            self.todo(SUBFOLDER_TODO)
        if stripped is None:
            return updated_node
        self.changed = True
        args[index] = args[index].with_changes(value=stripped)
        return updated_node.with_changes(args=args)

    def _folder_write(self, original: cst.Call, updated: cst.Call, name: str) -> None:
        """``open(<model folder>/x, "w")``, ``np.save(<model folder>/x, …)``: a file written by
        hand into the model folder of a trainer that saves no model otherwise."""
        is_open = name == "open" and _write_mode(original)
        owner, _, attr = name.rpartition(".")
        is_array = attr in ARRAY_SAVES and owner in ("np", "numpy")
        if not (is_open or is_array) or not original.args:
            return
        texts = []
        path = original.args[0].value
        for node in (path, updated.args[0].value if updated.args else path):
            texts.append(bare_code(node))
            if (
                isinstance(node, cst.Name)
                and self.folder_writes
                and node.value in self.folder_writes
            ):
                texts.append(bare_code(self.folder_writes[node.value]))
        if not any(MODEL_FOLDER_TEXT.search(text) for text in texts):
            return
        target = path
        if (
            isinstance(target, cst.Name)
            and self.folder_writes
            and target.value in self.folder_writes
        ):
            target = self.folder_writes[target.value]
        literal = _last_literal(target)
        file_name = string_value(literal) if literal is not None else None
        what = file_name.rsplit("/", 1)[-1] if file_name else "a file"
        if what in SERVED_NAMES:
            return  # f.write(pickle.dumps(model)) into model.pkl: what the container loads
        self.todo(FOLDER_WRITE_TODO.format(what=what))


AUTOGLUON = re.compile(r"^\s*(?:import|from)\s+autogluon\b", re.MULTILINE)
AUTOGLUON_PREDICTORS = frozenset(
    {"TabularPredictor", "MultiModalPredictor", "TimeSeriesPredictor", "TextPredictor"}
)
AUTOGLUON_TODO = (
    "an AutoGluon predictor saves its own folder (path=) when it fits; Vertex AI's prebuilt "
    "prediction containers do not load it: serve it from a custom container with AutoGluon"
)
UNSERVED_CALLS = {
    "torch.onnx.export": "an ONNX model",
    "torch.jit.save": "a TorchScript file",
}
UNSERVED_FRAMEWORKS = {
    "gluonts": "a GluonTS predictor",
    "mxnet": "an MXNet model",
    "gluoncv": "an MXNet model",
    "catboost": "a CatBoost model",
    "lightgbm": "a LightGBM model",
}
UNSERVED_FRAMEWORK = re.compile(
    r"^\s*(?:import|from)\s+(gluonts|mxnet|gluoncv|catboost|lightgbm)\b", re.MULTILINE
)
UNSERVED_FRAMEWORK_SAVES = frozenset(
    {"export", "save", "save_parameters", "save_checkpoint", "save_model", "dump", "serialize"}
)
"""Saves (a Gluon ``net.export``, ``model.save_model``, a pickle ``dump``) in a file that imports
one of UNSERVED_FRAMEWORKS: the artifact needs that framework to load."""
NOT_MODEL_OWNERS = frozenset({"np", "numpy", "json", "yaml", "plt", "pd", "df", "os", "shutil"})
PICKLERS = frozenset({"pickle", "pkl", "joblib", "cPickle"})


SAVE_METHODS = (
    r"(save|save_model|save_pretrained|save_weights|save_parameters|save_checkpoint|export|"
    r"export_saved_model|export_savedmodel|export_model|serialize|dump|to_pickle)\("
)
FRAMEWORK_SAVE = re.compile(
    # (?<!…): a match never starts right after a letter, since the search from that letter
    # would have found it (same matches, ~2.5x faster: no retry at every letter of a name)
    r"(?<![A-Za-z_])([A-Za-z_][\w.]*)\." + SAVE_METHODS
)
SAVE_CALL = re.compile(r"\." + SAVE_METHODS)
"""The end of every FRAMEWORK_SAVE match: found by its leading ``.`` (a fast literal search),
it picks the lines worth trying FRAMEWORK_SAVE on."""
AUTOGLUON_FIT = re.compile(r"\b(?:Tabular|MultiModal|TimeSeries|Text)Predictor\(")
ESTIMATOR_EXPORTER = re.compile(r"\b(?:Latest|Best|Final)Exporter\(")
"""A TF estimator exporter: ``train_and_evaluate`` writes a SavedModel through it."""
EXPORTERS = frozenset({"LatestExporter", "BestExporter", "FinalExporter"})
EXPORTER_TODO = (
    "this exporter writes the SavedModel to <model folder>/export/<name>/<timestamp>/; Vertex "
    "AI's TensorFlow prediction container loads one at the model folder's root: after training, "
    "export with estimator.export_saved_model(<model folder>, …) instead (liftshift moves that "
    "export to the root) or move the folder up yourself"
)


def saves_a_model(text: str) -> bool:
    """Whether this code saves a model with a library (``joblib.dump``, ``torch.save``,
    ``model.save``, an AutoGluon predictor that writes its folder as it fits), as opposed to
    writing files itself (``open(path, "w")``, ``np.save``) or saving nothing."""
    for owner, attr in _framework_saves(text):
        last = owner.rsplit(".", 1)[-1]
        if attr == "dump":
            if last in PICKLERS or last in ("dill", "cloudpickle"):
                return True
        elif last not in NOT_MODEL_OWNERS:
            return True
    # a substring test first: each pattern needs that text, and `in` rules it out ~50x faster
    if "Predictor(" in text and AUTOGLUON_FIT.search(text) is not None:
        return True
    return "Exporter(" in text and ESTIMATOR_EXPORTER.search(text) is not None


def _framework_saves(text: str) -> list[tuple[str, str]]:
    """Exactly ``FRAMEWORK_SAVE.findall(text)``, trying it only on the lines where a save
    method is called (SAVE_CALL). Exact: a match never spans lines (no newline in ``[\\w.]``)
    and is preceded by a line start as by a newline; every match holds a SAVE_CALL match. It
    saves FRAMEWORK_SAVE's retries at every name of the file: ~5x less time."""
    found: list[tuple[str, str]] = []
    searched = -1  # where the last line tried ends
    for call in SAVE_CALL.finditer(text):
        if call.start() < searched:
            continue  # that line was tried already
        start = text.rfind("\n", 0, call.start()) + 1
        end = text.find("\n", call.end())
        searched = len(text) if end == -1 else end
        found.extend(FRAMEWORK_SAVE.findall(text, start, searched))
    return found


MODEL_FOLDER_TEXT = re.compile(
    r"model_dir|job_dir|AIP_MODEL_DIR|--job-dir|model_artifacts|SM_MODEL_DIR|/opt/ml/model|"
    r"_liftshift_model_folder",
    re.IGNORECASE,
)
"""A path expression in the model folder: the folder's usual names and what LS002 made of it."""
FOLDER_WRITES = re.compile(r"\bopen\(|\.save(?:z|z_compressed|txt)?\(")
ARRAY_SAVES = frozenset({"save", "savez", "savez_compressed", "savetxt"})
FOLDER_WRITE_TODO = (
    "this writes {what} into the model folder by hand, and no model save was found: Vertex AI's "
    "prebuilt prediction containers load only model.joblib/model.pkl/model.bst or a SavedModel; "
    "save the model in one of those forms, or serve this file from a custom container"
)
MODEL_FOLDER_WRITE_TODO = re.compile(
    r"#\s*TODO\(liftshift\):\s*LS00[25]:[^\n]*\bwrites\b[^\n]*\binto the model folder\b"
)
"""What LS002/LS005 say at a line that writes into the model folder something no prebuilt
container loads (the migration then does not also say "no model save found")."""


def _write_mode(call: cst.Call) -> bool:
    """``open(path, "w")``/``"wb"``/``mode="a"``: the file is written, not read."""
    mode = call.args[1].value if len(call.args) > 1 and call.args[1].keyword is None else None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "mode":
            mode = arg.value
    text = string_value(mode) if mode is not None else None
    return text is not None and any(letter in text for letter in "wax")


def _saves_a_model(func: cst.BaseExpression, attr: str) -> bool:
    """``net.export(...)``/``model.save_model(...)``/``pickle.dump(...)``, not ``np.save`` or
    ``json.dump`` (data and metrics files)."""
    if attr not in UNSERVED_FRAMEWORK_SAVES or not isinstance(func, cst.Attribute):
        return False
    owner = dotted_name(func.value)
    if attr == "dump":
        return owner in PICKLERS
    return owner not in NOT_MODEL_OWNERS and owner not in PICKLERS


UNSERVED_TODO = (
    "{what} is not what Vertex AI's prebuilt prediction containers load (scikit-learn, "
    "XGBoost, TensorFlow, PyTorch archives); serve it from a custom container"
)
SUBFOLDER_TODO = (
    "the SavedModel goes to a subfolder of the model folder; Vertex AI's TensorFlow prediction "
    "container loads it from the folder's root: save to the model folder itself"
)


def _in_subfolder(path: cst.BaseExpression) -> bool:
    """``os.path.join(<model folder>, "export")``: a named folder (no file suffix) below it."""
    if not _is_join(path) or len(path.args) < 2:  # type: ignore[attr-defined]
        return False
    last = string_value(path.args[-1].value)  # type: ignore[attr-defined]
    if last is None or "." in last or VERSION_DIR.match(last):
        return False
    base = bare_code(path.args[0].value)  # type: ignore[attr-defined]
    return MODEL_DIR_TEXT.search(base) is not None


def _looks_like_handler(node: cst.FunctionDef) -> bool:
    """``input_fn`` is also TensorFlow's training input function: only flag the serving form."""
    params = [param.name.value for param in node.params.params]
    if node.name.value == "model_fn":
        return len(params) in (1, 2) and "features" not in params
    if node.name.value == "input_fn":
        return len(params) in (2, 3) and any("content" in p or "request" in p for p in params)
    return True


CALL_REWRITES = re.compile(
    r"torch\.save|torch\.onnx\.export|torch\.jit\.save|/0*\d+/?['\"]|['\"]0*\d+['\"]|export_saved_?model|\.(h5|keras)['\"]|"
    r"save_pretrained|\.save_model\("
)
TRANSFORMERS = re.compile(r"^\s*(?:import|from)\s+transformers\b", re.MULTILINE)
HUGGING_FACE_TODO = (
    "a Hugging Face model folder is not what Vertex AI's prebuilt prediction containers load; "
    "serve it with a Hugging Face inference container or a custom container"
)
DUMPS = re.compile(r"(?:joblib|pickle|pkl)\.dump\(")
SAVE_MODEL = re.compile(r"save_model")
XGBOOST = re.compile(r"xgboost")
PICKLE_ALIAS = re.compile(r"import\s+(?:joblib|pickle)\s+as\s+\w+")
TENSORFLOW = re.compile(r"^\s*(?:import|from)\s+(?:tensorflow|keras)\b", re.MULTILINE)
HANDLER_TODO = (
    "{name} is a SageMaker inference handler; Vertex AI prebuilt prediction containers do "
    "not call it (use a custom container if needed)"
)


def _flag_handlers(module: cst.Module) -> cst.Module:
    """Handlers are module-level functions: look at the module body, no tree walk needed."""
    header = {line.comment.value for line in module.header if line.comment is not None}
    body = list(module.body)
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.FunctionDef):
            continue
        if statement.name.value not in HANDLERS or not _looks_like_handler(statement):
            continue
        message = HANDLER_TODO.format(name=statement.name.value)
        if index == 0 and f"{TODO_PREFIX} {CODE}: {message}" in header:
            continue
        body[index] = add_todo(statement, CODE, message)
    return module if body == list(module.body) else module.with_changes(body=body)


FILE_NAME = re.compile(r"^[\w.-]*[-_.][\w.-]*$")
"""A name distinctive enough to rename wherever it appears (``xgboost-model``, ``clf.pkl``;
not a bare ``model``, which could be anything)."""


def _file_names(renames: dict[str, str]) -> dict[str, str]:
    """The file names of path renames (``"/xgboost-model"`` → ``"model.pkl"``): a loader
    joins the folder and the bare name (``os.path.join(model_dir, "xgboost-model")``)."""
    names = {}
    for old, new in renames.items():
        old_name, new_name = old.rsplit("/", 1)[-1], new.rsplit("/", 1)[-1]
        if old_name != old and FILE_NAME.match(old_name):
            names[old_name] = new_name
    return names


def make_pass(module: cst.Module, fctx: FileContext) -> FilePass | None:
    # the text says whether a walk of the tree can find anything: each walk costs a parse
    handlers: list[bool] = []

    def before(result: cst.Module) -> cst.Module:
        flagged = _flag_handlers(result)
        handlers.append(flagged is not result)
        return flagged

    planner = _Plan()
    folder_writes = not fctx.migration.saves_model and fctx.mentions(FOLDER_WRITES)
    # what _Plan can record: a pickle/joblib dump, or a save_model in a file that imports
    # xgboost (other save_model calls it ignores: Hugging Face trainers make them too), and
    # the files a trainer writes into the model folder by hand
    if (
        fctx.mentions(DUMPS)
        or fctx.mentions(PICKLE_ALIAS)
        or (fctx.mentions(SAVE_MODEL) and fctx.mentions(XGBOOST))
        or folder_writes
    ):
        fast_visit(module, planner)
    renames, todos = planner.decide()
    source = fctx.source if fctx.source is not None else module.code
    # each pattern below needs a name in the text: `in` rules most files out ~20x faster
    unserved = (
        UNSERVED_FRAMEWORK.search(source)
        if any(name in source for name in UNSERVED_FRAMEWORKS)
        else None
    )
    if unserved and (planner.uses_xgboost or TENSORFLOW.search(source)):
        unserved = None
    if unserved:  # no served name fits that model: it is tagged at its save instead
        renames, todos = {}, []
    file_names = _file_names(renames)
    if fctx.is_entry:
        fctx.migration.artifact_renames.update(file_names)
    else:
        file_names = {
            old: new for old, new in fctx.migration.artifact_renames.items() if old in source
        }
    renames = {**file_names, **renames}
    rewrite = None
    autogluon = "autogluon" in source and AUTOGLUON.search(source) is not None
    exporter = fctx.source is None or (
        "Exporter(" in source and ESTIMATOR_EXPORTER.search(source) is not None
    )
    if (
        renames
        or todos
        or unserved
        or autogluon
        or folder_writes
        or exporter
        or fctx.mentions(CALL_REWRITES)
    ):
        tensorflow = TENSORFLOW.search(source) is not None
        rewrite = _Rewrite(renames, {id(call): message for call, message in todos}, tensorflow)
        rewrite.transformers = (
            "transformers" in source
            and TRANSFORMERS.search(source) is not None
            and not planner.uses_xgboost
        )
        rewrite.autogluon = autogluon
        if unserved:
            rewrite.unserved_framework = UNSERVED_FRAMEWORKS[unserved.group(1)]
        if folder_writes:
            rewrite.folder_writes = planner.assignments

    def changed() -> bool:
        walked = rewrite is not None and bool(rewrite.changed or rewrite.todos_added)
        return walked or any(handlers)

    def finish(result: cst.Module) -> cst.Module:
        return ensure_helpers(result, rewrite.helpers) if rewrite is not None else result

    return FilePass(rewrite, finish, changed, before)


transform = transform_with(make_pass)


RULE = Rule(
    code=CODE,
    name="model-output",
    description="Model artifacts get the names Vertex AI prediction containers expect.",
    docs=__doc__ or "",
    transform_file=transform,
    make_pass=make_pass,
)
