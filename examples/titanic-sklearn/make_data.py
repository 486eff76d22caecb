"""Generate a small Titanic-like data set, deterministically (no download).

Run ``python make_data.py`` to rewrite ``data/train/train.csv`` and ``data/test/test.csv``.
Survival depends on sex, class, age and fare roughly as on the real ship, so a model has
something to learn.
"""

import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["PassengerId", "Survived", "Pclass", "Sex", "Age", "SibSp", "Parch", "Fare", "Embarked"]


def make_rows(count: int, rng: random.Random, first_id: int) -> list[dict]:
    rows = []
    for offset in range(count):
        pclass = rng.choices([1, 2, 3], weights=[0.24, 0.21, 0.55])[0]
        sex = rng.choice(["male", "female"])
        age = max(1, min(75, round(rng.gauss(30 if pclass > 1 else 38, 13))))
        sibsp = rng.choices([0, 1, 2, 3], weights=[0.68, 0.23, 0.06, 0.03])[0]
        parch = rng.choices([0, 1, 2], weights=[0.76, 0.13, 0.11])[0]
        fare = round({1: 84.0, 2: 20.0, 3: 13.0}[pclass] * rng.uniform(0.5, 1.6), 2)
        embarked = rng.choices(["S", "C", "Q"], weights=[0.72, 0.19, 0.09])[0]
        score = (
            1.3 * (sex == "female") - 0.9 * (pclass - 2) - 0.02 * (age - 30) + 0.004 * fare - 0.6
        )
        survived = int(rng.random() < 1 / (1 + math.exp(-2 * score)))
        rows.append(
            {
                "PassengerId": first_id + offset,
                "Survived": survived,
                "Pclass": pclass,
                "Sex": sex,
                "Age": age,
                "SibSp": sibsp,
                "Parch": parch,
                "Fare": fare,
                "Embarked": embarked,
            }
        )
    return rows


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(1912)
    write(HERE / "data" / "train" / "train.csv", make_rows(400, rng, first_id=1))
    write(HERE / "data" / "test" / "test.csv", make_rows(120, rng, first_id=401))


if __name__ == "__main__":
    main()
