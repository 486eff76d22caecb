"""Load one trained model and predict, in the trainer's Python (run as a subprocess).

``python _predict.py`` reads one JSON request per line on stdin::

    {"model_dir": "...", "handlers": "path/to/script.py" | null,
     "instances": [...] | null, "instances_from": "...", "synthetic": 4, "seed": 0}

and answers each with one line on stdout, prefixed ``@@``: ``{"loader": ..., "instances":
[...], "predictions": [...], "instances_from": ...}`` or ``{"error": "..."}``. One process
serves both models, so the framework is imported once, and verify can load the original's
model while the migrated trainer still runs. A project with SageMaker handlers and sample
instances answers through its own serving chain (``model_fn``, ``input_fn``, ``predict_fn``,
``output_fn``), as its endpoint would. Otherwise the loaders, in order: a SavedModel (the folder
or its highest numbered version folder), a ``.keras``/``.h5`` Keras file, an XGBoost model
(``model.bst``/``.ubj``/``.json``), a LightGBM ``model.txt``, a joblib or pickle file; failing
those, the project's own handlers. A
request without instances takes the first rows of its ``sample`` table (a CSV or Parquet file
the run trained on, without its label column: the one named, else the first column when the
rows are one wider than the model's input, SageMaker's CSV convention), else ``synthetic``
rows from the model's input signature with a fixed seed; later requests without instances
reuse the rows of the first answer, so both models predict exactly the same rows.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import sys
from pathlib import Path
from typing import Any

ANSWER = "@@"
PICKLES = (".joblib", ".pkl", ".pickle")
XGBOOST = ("model.bst", "model.ubj", "xgboost-model", "model.xgb")


def _find_saved_model(model_dir: Path) -> Path | None:
    if (model_dir / "saved_model.pb").is_file():
        return model_dir
    versions = [p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    for folder in sorted(versions, key=lambda p: int(p.name), reverse=True):
        if (folder / "saved_model.pb").is_file():
            return folder
    return None


def _synthetic(shape: list[int | None], count: int, seed: int, dtype: str = "float") -> list:
    import numpy as np

    rng = np.random.default_rng(seed)
    dims = [count] + [d if d else 1 for d in shape[1:]]
    values = rng.random(dims)
    if "int" in dtype:
        values = (values * 10).astype("int64")
    return values.tolist()


def _read_table(path: Path, rows: int) -> tuple[list[str] | None, list[list[Any]]]:
    """(column names or None without a header, the first ``rows`` rows) of a CSV or Parquet
    file; pandas when the trainer's Python has it (it must, for Parquet), else ``csv``."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pandas as pd

        frame = pd.read_parquet(path).head(rows)
        return [str(c) for c in frame.columns], frame.to_numpy().tolist()
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        table = [row for _, row in zip(range(rows + 1), csv.reader(handle), strict=False)]
    if not table:
        return None, []
    header = not all(_is_number(cell) for cell in table[0])
    body = table[1:] if header else table[:rows]
    values = [[float(cell) if _is_number(cell) else cell for cell in row] for row in body]
    return (table[0] if header else None), values[:rows]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sample_rows(sample: dict[str, Any], shape: list | None) -> tuple[list, str] | None:
    """The first rows of the sample table without the label, and the words saying which rows
    and which column went; None when they do not fit the model's input width."""
    path = Path(sample["file"])
    columns, rows = _read_table(path, int(sample.get("rows", 4)))
    if not rows:
        return None
    width = len(rows[0])
    features = shape[1] if shape and len(shape) == 2 and shape[1] else None
    label, dropped = sample.get("label") or "", None
    if columns is not None and label in columns:
        dropped = columns.index(label)
        how = f"column {label!r} dropped: {sample.get('label_why') or 'the label'}"
    elif features is not None and width == features + 1:
        dropped = 0
        how = "first column dropped: SageMaker's CSV convention puts the label there"
    else:
        how = "no column dropped"
    if dropped is not None:
        rows = [row[:dropped] + row[dropped + 1 :] for row in rows]
    if features is not None and len(rows[0]) != features:
        return None
    return rows, f"the first {len(rows)} rows of {sample.get('shown', path.name)} ({how})"


class Loaded:
    def __init__(self, loader: str, predict: Any, shape: list[int | None] | None, dtype="float"):
        self.loader, self.predict, self.shape, self.dtype = loader, predict, shape, dtype


def _tolist(value: Any) -> Any:
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, dict):
        value = next(iter(value.values()))
        return _tolist(value)
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _saved_model(folder: Path) -> Loaded:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(folder))
    serve = loaded.signatures["serving_default"]
    (name, spec), *_ = serve.structured_input_signature[1].items()

    def predict(instances: list) -> Any:
        outputs = serve(**{name: tf.constant(instances, dtype=spec.dtype)})
        return _tolist(next(iter(outputs.values())))

    return Loaded(f"SavedModel {folder.name}/", predict, list(spec.shape), spec.dtype.name)


def _keras(path: Path) -> Loaded:
    import keras

    model = keras.models.load_model(path)
    shape = list(model.inputs[0].shape)
    return Loaded(f"Keras {path.name}", lambda xs: _tolist(model.predict(xs, verbose=0)), shape)


def _sklearn_like(model: Any, loader: str) -> Loaded:
    features = getattr(model, "n_features_in_", None)
    if features is None and hasattr(model, "num_features"):
        features = model.num_features()
    shape = [None, int(features)] if features else None
    return Loaded(loader, lambda xs: _tolist(model.predict(xs)), shape)


def _load_artifact(model_dir: Path) -> Loaded | None:
    saved = _find_saved_model(model_dir)
    if saved is not None:
        return _saved_model(saved)
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    for path in files:
        if path.suffix in (".keras", ".h5"):
            return _keras(path)
    for path in files:
        if path.name in XGBOOST:
            import xgboost

            booster = xgboost.Booster(model_file=str(path))
            shape = [None, booster.num_features()]
            return Loaded(
                f"XGBoost {path.name}",
                lambda xs, model=booster: _tolist(model.predict(xgboost.DMatrix(xs))),
                shape,
            )
    for path in files:
        if path.name == "model.txt" or path.suffix == ".lgb":
            import lightgbm

            booster = lightgbm.Booster(model_file=str(path))
            shape = [None, booster.num_feature()]
            return Loaded(
                f"LightGBM {path.name}", lambda xs, model=booster: _tolist(model.predict(xs)), shape
            )
    for path in files:
        if path.suffix in PICKLES:
            if path.suffix == ".joblib":
                import joblib

                model = joblib.load(path)
            else:
                with path.open("rb") as handle:
                    model = pickle.load(handle)  # the user's own model, as a container loads it
            if hasattr(model, "predict"):
                return _sklearn_like(model, f"{type(model).__name__} from {path.name}")
    return None


def _load_handlers(script: Path, model_dir: Path) -> Loaded:
    """The project's own serving chain, as a SageMaker endpoint runs it: ``input_fn`` on the
    JSON body, ``predict_fn`` (else the model's ``predict``), ``output_fn`` back to JSON; the
    steps a project does not define are the container's defaults."""
    sys.path.insert(0, str(script.parent))
    spec = importlib.util.spec_from_file_location("_liftshift_handlers", script)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"{script}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.model_fn(str(model_dir))
    input_fn = getattr(module, "input_fn", None)
    predict_fn = getattr(module, "predict_fn", None)
    output_fn = getattr(module, "output_fn", None)

    def chain(instances: list) -> Any:
        data = input_fn(json.dumps(instances), "application/json") if input_fn else instances
        prediction = predict_fn(data, model) if predict_fn else model.predict(data)
        if output_fn is None:
            return _tolist(prediction)
        body = output_fn(prediction, "application/json")
        body = body[0] if isinstance(body, tuple) else body  # (body, content type) is allowed
        return json.loads(body) if isinstance(body, str | bytes) else _tolist(body)

    used = [name for name in ("model_fn", "input_fn", "predict_fn", "output_fn")
            if getattr(module, name, None) is not None]  # fmt: skip
    return Loaded(f"{script.name} {' + '.join(used)}", chain, None)


def serve(lines: Any, out: Any) -> None:
    """Answer each request line; rows carry over from the first answer."""
    carried: tuple[Any, str] | None = None
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        if "warm" in request:  # import what the models will need while the trainers run
            for module in request["warm"]:
                try:
                    importlib.import_module(module)
                except Exception:
                    continue
            continue
        if request.get("instances") is None and carried is not None:
            request["instances"], request["instances_from"] = carried
        try:
            answer = run(request)
        except Exception as exc:  # reported to the parent as one line, which says it
            answer = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        if "error" not in answer and carried is None:
            carried = (answer["instances"], answer["instances_from"])
        out.write("\n" + ANSWER + json.dumps(answer) + "\n")
        out.flush()


def run(request: dict[str, Any]) -> dict[str, Any]:
    model_dir = Path(request["model_dir"])
    handlers = request.get("handlers")
    if handlers and request.get("instances") is not None:  # what the endpoint would answer
        loaded: Loaded | None = _load_handlers(Path(handlers), model_dir)
    else:
        loaded = _load_artifact(model_dir)
        if loaded is None and handlers:
            loaded = _load_handlers(Path(handlers), model_dir)
    if loaded is None:
        return {"error": f"no model file this verify can load in {model_dir}"}
    instances = request.get("instances")
    origin = request.get("instances_from") or "given"
    if instances is None and request.get("sample"):
        found = _sample_rows(request["sample"], loaded.shape)
        if found is not None:
            instances, origin = found
    if instances is None:
        if not loaded.shape:
            return {"error": f"{loaded.loader}: no sample instances and no input signature"}
        count = int(request.get("synthetic", 4))
        instances = _synthetic(loaded.shape, count, int(request.get("seed", 0)), loaded.dtype)
        origin = f"{count} synthetic instances from the model's input shape {loaded.shape[1:]}"
    predictions = loaded.predict(instances)
    return {
        "loader": loaded.loader,
        "instances": instances,
        "instances_from": origin,
        "predictions": predictions,
    }


def main() -> None:
    serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
