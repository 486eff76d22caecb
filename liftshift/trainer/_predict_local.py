"""Load a model artifact folder as a Vertex prebuilt prediction container would, and predict.

``python -P _predict_local.py ARTIFACT_DIR`` reads a JSON list of instances on stdin and prints
a JSON list of predictions as its last stdout line. It runs in its own process so the ML
libraries (and their import time and memory) never enter liftshift's own, and with the python of
the environment the model trained in: it imports nothing of liftshift, which that environment
does not have.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def predict(artifact: Path, instances: list[Any]) -> list[Any]:
    if (artifact / "saved_model.pb").is_file():
        return _tensorflow(artifact, instances)
    if (artifact / "model.bst").is_file():
        import xgboost

        booster = xgboost.Booster(model_file=str(artifact / "model.bst"))
        return booster.predict(xgboost.DMatrix(instances)).tolist()
    for name in ("model.joblib", "model.pkl"):
        if (artifact / name).is_file():
            if name == "model.joblib":
                import joblib

                model = joblib.load(artifact / name)
            else:
                import pickle

                with (artifact / name).open("rb") as handle:
                    model = pickle.load(handle)  # the user's own model, as the container does
            return _jsonable(model.predict(instances))
    raise SystemExit(f"{artifact}: no model.joblib, model.pkl, model.bst or saved_model.pb")


def _tensorflow(artifact: Path, instances: list[Any]) -> list[Any]:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(artifact))
    serve = loaded.signatures["serving_default"]
    (name, spec), *_ = serve.structured_input_signature[1].items()
    outputs = serve(**{name: tf.constant(instances, dtype=spec.dtype)})
    (values,) = outputs.values() if len(outputs) == 1 else (next(iter(outputs.values())),)
    return _jsonable(values.numpy())


def _jsonable(value: Any) -> list[Any]:
    return value.tolist() if hasattr(value, "tolist") else list(value)


def main() -> None:
    instances = json.loads(sys.stdin.read())
    print(json.dumps(predict(Path(sys.argv[1]), instances)))


if __name__ == "__main__":
    main()
