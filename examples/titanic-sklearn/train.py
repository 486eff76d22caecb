"""Train a RandomForest on Titanic passengers: a SageMaker scikit-learn script-mode entry point.

SageMaker runs it as ``python train.py --n-estimators 100 ...`` inside its container, with the
data channels mounted under /opt/ml/input/data and SM_* variables pointing at them. Locally it
runs with explicit paths:

    python train.py --model-dir /tmp/model --train data/train --test data/test

The inference handlers at the end are what SageMaker's scikit-learn serving container calls:
the endpoint takes passenger records (CSV with a header line, or a JSON list of objects), encodes
them like the training data, and answers with a label and a survival probability per passenger.
"""

import argparse
import io
import json
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score

FEATURES = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]


def parse_args():
    parser = argparse.ArgumentParser()
    # hyperparameters sent by the estimator
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--max-depth", type=int, default=None)
    parser.add_argument("--features", type=str, default=" ".join(FEATURES))
    parser.add_argument("--target", type=str, default="Survived")
    # data, model and output directories
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--test", type=str, default=os.environ.get("SM_CHANNEL_TEST"))
    return parser.parse_args()


def load(channel_dir, name):
    return pd.read_csv(os.path.join(channel_dir, name))


def prepare(frame, features):
    x = pd.get_dummies(frame[features], columns=["Sex", "Embarked"], dtype=float)
    return x.fillna(x.median())


if __name__ == "__main__":
    args = parse_args()
    features = args.features.split()

    train_df = load(args.train, "train.csv")
    test_df = load(args.test, "test.csv")
    x_train = prepare(train_df, features)
    x_test = prepare(test_df, features).reindex(columns=x_train.columns, fill_value=0.0)

    print("training RandomForest with n_estimators =", args.n_estimators)
    model = RandomForestClassifier(
        n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=0
    )
    model.fit(x_train, train_df[args.target])

    accuracy = accuracy_score(test_df[args.target], model.predict(x_test))
    print(f"test accuracy: {accuracy:.4f}")

    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))


def model_fn(model_dir):
    """Inference handler: SageMaker's scikit-learn serving container loads the model with it."""
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(request_body, request_content_type):
    """Passenger records from the request: CSV with a header line, or a JSON list of objects."""
    if isinstance(request_body, bytes):
        request_body = request_body.decode("utf-8")
    if request_content_type == "text/csv":
        return pd.read_csv(io.StringIO(request_body))
    if request_content_type == "application/json":
        return pd.DataFrame(json.loads(request_body))
    raise ValueError(f"unsupported content type {request_content_type!r}")


def predict_fn(input_data, model):
    """The survival probability of each passenger, encoded with the training columns."""
    x = prepare(input_data, FEATURES).reindex(columns=model.feature_names_in_, fill_value=0.0)
    return model.predict_proba(x)[:, list(model.classes_).index(1)]


def output_fn(prediction, accept):
    """A label and the probability behind it, for each passenger."""
    answers = [
        {"label": "survived" if p >= 0.5 else "died", "probability": round(float(p), 4)}
        for p in prediction
    ]
    if accept in ("application/json", "*/*"):
        return json.dumps(answers)
    raise ValueError(f"unsupported accept type {accept!r}")
