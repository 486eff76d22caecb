"""Comparing what the original and the migrated trainer produced: artifacts, metrics,
predictions. Pure functions over data the runner collected; no processes here."""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NAME = r"[A-Za-z_][\w\-/]*"
PRINTED_METRIC = re.compile(rf"(?<![\w.])({_NAME}(?: {_NAME})?)\s*[:=]\s*({NUMBER})(?![\w.])")
_NOISY = re.compile(
    r"(time|\bsecs?\b|seconds|elapsed|duration|\bms\b|/s\b|step|\beta\b|epoch|\blr\b|learning)",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+$")
_VERSION_DIR = re.compile(r"^\d+$")


@dataclass
class ArtifactParity:
    original: dict[str, int]
    """Relative path → size, as the original left its model folder."""
    migrated: dict[str, int]
    identical: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    only_original: list[str] = field(default_factory=list)
    only_migrated: list[str] = field(default_factory=list)
    note: str = ""
    varying: list[str] = field(default_factory=list)
    """Files that differ between two runs of the original itself (see ``stability``), by
    either side's name: a file set or bytes that differ there are the trainer's noise, not
    the migration's."""
    flattened: str = ""
    """The TensorFlow Serving version folder (``000000001``) the migrated side flattened."""
    random_by_design: list[str] = field(default_factory=list)
    """Files on both sides whose format holds a value drawn anew at every save (a SavedModel's
    ``fingerprint.pb`` has a random ``uuid``): compared by presence, never by bytes."""

    def counterpart(self, original_path: str) -> str:
        """The migrated side's name for one of the original's files."""
        prefix = f"{self.flattened}/"
        if self.flattened and original_path.startswith(prefix):
            return original_path[len(prefix) :]
        return original_path

    def stable_but_differing(self) -> list[str]:
        """Files whose bytes differ between the sides but not between two runs of the
        original (meaningful only once those two runs were compared)."""
        return [path for path in self.differing if path not in self.varying]

    @property
    def ok(self) -> bool:
        one_sided = [p for p in (*self.only_original, *self.only_migrated) if p not in self.varying]
        return bool(self.original) and bool(self.migrated) and not one_sided

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "original": self.original,
            "migrated": self.migrated,
            "identical": self.identical,
            "differing": self.differing,
            "only_original": self.only_original,
            "only_migrated": self.only_migrated,
            "note": self.note,
            "varying": self.varying,
            "random_by_design": self.random_by_design,
        }


def random_by_design(path: str, folder: Path) -> bool:
    """A SavedModel's ``fingerprint.pb`` (TensorFlow ≥ 2.15 writes a random ``uuid`` into it
    at every save, so two saves of the same model never match byte for byte)."""
    name = path.rsplit("/", 1)[-1]
    return name == "fingerprint.pb" and (folder / path).with_name("saved_model.pb").is_file()


def list_files(folder: Path) -> dict[str, int]:
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def compare_artifacts(original_dir: Path, migrated_dir: Path) -> ArtifactParity:
    """File sets, sizes and bytes. A TensorFlow Serving version folder (``000000001/``) the
    migration flattens for Vertex's prediction container counts as the same files."""
    original, migrated = list_files(original_dir), list_files(migrated_dir)
    parity = ArtifactParity(original, migrated)
    pairs = {path: path for path in original}
    tops = {path.split("/", 1)[0] for path in original}
    if (
        set(original) != set(migrated)
        and len(tops) == 1
        and _VERSION_DIR.match(next(iter(tops)))
        and all("/" in path for path in original)
    ):
        flattened = {path.split("/", 1)[1]: path for path in original}
        if len(set(flattened) & set(migrated)) > len(set(original) & set(migrated)):
            pairs = {orig: new for new, orig in flattened.items()}
            parity.flattened = next(iter(tops))
            parity.note = (
                f"the version folder {next(iter(tops))}/ is flattened, as Vertex's TensorFlow "
                "prediction container expects"
            )
    for orig, new in sorted(pairs.items()):
        if new not in migrated:
            parity.only_original.append(orig)
            continue
        if random_by_design(new, migrated_dir):
            parity.random_by_design.append(new)
            continue
        same = (original_dir / orig).read_bytes() == (migrated_dir / new).read_bytes()
        (parity.identical if same else parity.differing).append(new)
    matched = set(pairs.values())
    parity.only_migrated = sorted(path for path in migrated if path not in matched)
    return parity


# metrics


@dataclass
class MetricParity:
    name: str
    original: float | None
    migrated: float | None
    ok: bool
    stable: bool = True
    """False when two runs of the original print different values: not judged."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "original": self.original,
            "migrated": self.migrated,
            "ok": self.ok,
            "stable": self.stable,
        }


def metric_definitions(launcher: Path) -> list[tuple[str, str]]:
    """``(Name, Regex)`` pairs of every ``metric_definitions=[...]`` literal in a launcher
    (``.py`` or notebook). Launchers that do not parse give none."""
    try:
        text = launcher.read_text(encoding="utf-8")
    except OSError:
        return []
    if launcher.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except json.JSONDecodeError:
            return []
        sources = [
            "".join(cell.get("source", [])) for cell in cells if cell.get("cell_type") == "code"
        ]
        text = "\n".join(
            line
            for source in sources
            for line in source.splitlines()
            if not line.lstrip().startswith(("%", "!"))
        )
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    found: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "metric_definitions":
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            for item in value if isinstance(value, list) else []:
                if isinstance(item, dict) and "Name" in item and "Regex" in item:
                    found.append((str(item["Name"]), str(item["Regex"])))
    return found


def extract_metrics(log: str, definitions: list[tuple[str, str]]) -> dict[str, float]:
    """The last value of each metric in a log: by the launcher's regexes when it has them,
    else every ``name: number`` / ``name=number`` pair (timings and counters left out)."""
    values: dict[str, float] = {}
    if definitions:
        for name, regex in definitions:
            try:
                matches = re.findall(regex, log)
            except re.error:
                continue
            for match in matches:
                text = match[0] if isinstance(match, tuple) else match
                try:
                    values[name] = float(text)
                except ValueError:
                    continue
        return values
    for line in log.splitlines():
        for name, number in PRINTED_METRIC.findall(line):
            if _NOISY.search(name) or any(_ENV_NAME.match(w) for w in name.split()):
                continue  # timings, counters, and VARIABLE=1 settings are not metrics
            values[name.strip()] = float(number)
    return values


def compare_metrics(
    original: dict[str, float], migrated: dict[str, float], rtol: float
) -> list[MetricParity]:
    rows = []
    for name in sorted(set(original) | set(migrated)):
        a, b = original.get(name), migrated.get(name)
        ok = a is not None and b is not None and math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)
        rows.append(MetricParity(name, a, b, ok))
    return rows


# predictions


@dataclass
class PredictionParity:
    compared: bool
    reason: str = ""
    loader_original: str = ""
    loader_migrated: str = ""
    instances: int = 0
    instances_from: str = ""
    max_abs_diff: float | None = None
    labels_agree: int | None = None
    ok: bool = False
    judged_on: str = "values"
    """``values`` (within ``rtol``) or ``labels`` (when the original's own predictions vary
    between two runs)."""
    original_rows: list[Any] | None = field(default=None, repr=False, compare=False)
    """The original's predictions, kept for the stability check (not in the JSON)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "compared": self.compared,
            "ok": self.ok,
            "reason": self.reason,
            "loader_original": self.loader_original,
            "loader_migrated": self.loader_migrated,
            "instances": self.instances,
            "instances_from": self.instances_from,
            "max_abs_diff": self.max_abs_diff,
            "labels_agree": self.labels_agree,
            "judged_on": self.judged_on,
        }


def compare_predictions(
    original: list[Any], migrated: list[Any], rtol: float
) -> tuple[float | None, int | None, bool]:
    """(max absolute difference, rows whose label agrees, within tolerance).

    Rows may be numbers, lists of them, or what a project's ``output_fn`` returns (records
    like ``{"label": "died", "probability": 0.03}``): the words must be equal, the numbers
    close."""
    if len(original) != len(migrated):
        return None, None, False
    flat_a, flat_b = _flatten(original), _flatten(migrated)
    words_a = [v for v in flat_a if not _is_number(v)]
    words_b = [v for v in flat_b if not _is_number(v)]
    if len(flat_a) != len(flat_b) or words_a != words_b:
        agree = sum(1 for a, b in zip(original, migrated, strict=True) if a == b)
        return None, agree, agree == len(original)
    numbers = [(float(a), float(b)) for a, b in zip(flat_a, flat_b, strict=True) if _is_number(a)]
    max_diff = max((abs(a - b) for a, b in numbers), default=0.0)
    labels = sum(1 for a, b in zip(original, migrated, strict=True) if _label(a) == _label(b))
    close = all(math.isclose(a, b, rel_tol=rtol, abs_tol=rtol) for a, b in numbers)
    return max_diff, labels, close and labels == len(original)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flatten(value: Any) -> list[Any]:
    """The leaves of a row, a record's in key order."""
    if isinstance(value, dict):
        return [item for key in sorted(value, key=str) for item in _flatten(value[key])]
    if isinstance(value, list | tuple):
        return [item for part in value for item in _flatten(part)]
    return [value]


def _label(row: Any) -> Any:
    """A row's label: its words when it has any (a record's ``label``), else the arg-max of a
    probability row, else the value itself."""
    flat = _flatten(row)
    words = [v for v in flat if not _is_number(v)]
    if words:
        return tuple(words)
    if len(flat) > 1:
        return max(range(len(flat)), key=lambda i: flat[i])
    value = flat[0] if flat else None
    return round(value, 6) if isinstance(value, float) else value
