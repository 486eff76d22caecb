"""Prediction rows from the sample data a run used (no ``sample_instances.json``): which file,
which label column, and the rows the prediction helper builds from them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from liftshift.verify import samples

_spec = importlib.util.spec_from_file_location(
    "_predict_helper", Path(samples.__file__).with_name("_predict.py")
)
assert _spec is not None and _spec.loader is not None
helper = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helper)


POPS = "the column train.py pops as the target"
DROPS = "the column train.py drops as the target"
READS = "the column train.py reads into its labels"


@pytest.mark.parametrize(
    ("source", "column", "why"),
    [
        ('y = frame.pop("Survived")', "Survived", POPS),
        ('X = df.drop("price", axis=1)', "price", DROPS),
        ("X = df.drop(columns=['price'])", "price", DROPS),
        ('labels = frame["label"].to_numpy()', "label", READS),
        ('X, y = df[["a", "b"]], df["label"].values', "label", READS),
        ('rows = df.drop([0, 1])', "", ""),  # rows, not a column
        ("print('no label here')", "", ""),
    ],
)  # fmt: skip
def test_the_label_column_is_read_from_the_entry_point(
    tmp_path: Path, source: str, column: str, why: str
) -> None:
    entry = tmp_path / "train.py"
    entry.write_text(f"import pandas as pd\n{source}\n")
    assert samples.label_column(entry, {}) == (column, why)


def test_a_target_hyperparameter_names_the_label(tmp_path: Path) -> None:
    entry = tmp_path / "train.py"
    entry.write_text('X = df.drop("other", axis=1)\n')
    assert samples.label_column(entry, {"target": "Survived"}) == (
        "Survived",
        "the 'target' hyperparameter",
    )


def test_the_train_channel_is_read_first(tmp_path: Path) -> None:
    for channel in ("test", "train"):
        (tmp_path / channel).mkdir()
        (tmp_path / channel / f"{channel}.csv").write_text("a,b\n1,2\n")
    (tmp_path / "train" / "README.txt").write_text("not a table")
    dirs = {"test": str(tmp_path / "test"), "train": str(tmp_path / "train")}
    assert samples.sample_file(dirs) == tmp_path / "train" / "train.csv"
    assert samples.sample_file({"test": str(tmp_path / "test")}) == tmp_path / "test" / "test.csv"
    (tmp_path / "empty").mkdir()
    assert samples.sample_file({"train": str(tmp_path / "empty")}) is None


def test_rows_without_the_named_label(tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("a,label,b\n1,0,2\n3,1,4\n5,0,6\n7,1,8\n9,0,10\n")
    sample = {"file": str(table), "shown": "train/train.csv", "label": "label",
              "label_why": "the column train.py pops as the target", "rows": 4}  # fmt: skip
    rows, said = helper._sample_rows(sample, [None, 2])
    assert rows == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
    assert said == (
        "the first 4 rows of train/train.csv (column 'label' dropped: the column train.py pops "
        "as the target)"
    )


def test_headerless_rows_one_wider_than_the_model_lose_the_first_column(tmp_path: Path) -> None:
    table = tmp_path / "train.csv"
    table.write_text("1,0.5,0.25\n0,0.1,0.2\n")
    sample = {"file": str(table), "shown": "train/train.csv", "label": "", "rows": 4}
    rows, said = helper._sample_rows(sample, [None, 2])
    assert rows == [[0.5, 0.25], [0.1, 0.2]]
    assert said.endswith("(first column dropped: SageMaker's CSV convention puts the label there)")
    assert helper._sample_rows(sample, [None, 3]) == (
        [[1.0, 0.5, 0.25], [0.0, 0.1, 0.2]],
        "the first 2 rows of train/train.csv (no column dropped)",
    )
    assert helper._sample_rows(sample, [None, 5]) is None  # does not fit: synthetic rows instead
