"""Bad input to ``liftshift sync``: a source prefix with a typo, ``..`` segments, invisible
characters in a URI, and keys whose characters a terminal would interpret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from liftshift.foundation.events import printable
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import open_store
from liftshift.sync import nearest_prefix
from tests.sync.support import fill_s3

Run = subprocess.CompletedProcess[str]


def liftshift(*args: str, env: dict[str, str] | None, cwd: Path) -> Run:
    return subprocess.run(
        [sys.executable, "-m", "liftshift", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False,
    )  # fmt: skip


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_a_source_prefix_that_matches_nothing_exits_1_with_the_nearest_prefix(
    cloud_settings: Settings, gcs_bucket: str, emulator_env: dict[str, str], tmp_path: Path
) -> None:
    fill_s3(
        cloud_settings,
        "src-bucket",
        {"titanic/train/train.csv": b"a", "titanic/test/test.csv": b"b", "other/x": b"c"},
    )
    out = liftshift("sync", "s3://src-bucket/titanic/trian", "gs://dst-bucket/t",
                    env=emulator_env, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert _lines(out.stderr) == [
        "liftshift sync: s3://src-bucket/titanic/trian: no object under this prefix; "
        "did you mean s3://src-bucket/titanic/train/?"
    ]
    dry = liftshift("sync", "s3://src-bucket/titanic/trian", "gs://dst-bucket/t", "--dry-run",
                    env=emulator_env, cwd=tmp_path)  # fmt: skip
    assert dry.returncode == 1 and "did you mean s3://src-bucket/titanic/train/?" in dry.stderr
    store = open_store("s3://src-bucket/", cloud_settings)
    assert nearest_prefix(store, "titanic/train.cs") == "s3://src-bucket/titanic/train/"
    assert nearest_prefix(store, "titanik/") == "s3://src-bucket/titanic/"
    assert nearest_prefix(open_store("gs://dst-bucket/", cloud_settings), "x/y") is None


def test_dot_dot_segments_and_control_characters_in_uris_are_refused(
    emulator_env: dict[str, str], tmp_path: Path
) -> None:
    cases = {
        ("s3://src-bucket/../x", "gs://dst-bucket/x"): "'..' segments are not allowed",
        ("s3://src-bucket/x", "gs://dst-bucket/a/../b"): "'..' segments are not allowed",
        ("s3://src-bucket/tr\x01ain", "gs://dst-bucket/x"): "'s3://src-bucket/tr\\x01ain'",
        ("s3://src-bucket/x", "gs://dst-bucket/\u202ex"): "'gs://dst-bucket/\\u202ex'",
    }
    for (source, destination), expected in cases.items():
        out = liftshift("sync", source, destination, env=emulator_env, cwd=tmp_path)
        assert out.returncode == 2, (source, destination, out.stderr)
        (line,) = _lines(out.stderr)
        assert expected in line and line.isprintable(), line


def test_keys_with_control_and_bidi_characters_are_shown_escaped(tmp_path: Path) -> None:
    folder = tmp_path / ".liftshift" / "local" / "s3" / "bucket" / "odd"
    folder.mkdir(parents=True)
    (folder / "a\x01b.csv").write_bytes(b"1")
    (folder / "photo\u202egpj.exe").write_bytes(b"2")
    (tmp_path / ".liftshift" / "local" / "gcs" / "out").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTSHIFT_")}
    out = liftshift("sync", "s3://bucket/odd", "gs://out/odd", "--dry-run", "--target", "local",
                    env=env, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "odd/a\\x01b.csv" in out.stdout and "odd/photo\\u202egpj.exe" in out.stdout
    assert "\x01" not in out.stdout and "\u202e" not in out.stdout
    done = liftshift("sync", "s3://bucket/odd", "gs://out/odd", "--target", "local",
                     env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "\x01" not in done.stderr and "\u202e" not in done.stderr
    assert printable("x\x01\u202ey\u00e9") == "x\\x01\\u202ey\u00e9"


def test_a_missing_local_bucket_says_how_to_fill_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTSHIFT_")}
    out = liftshift("sync", "s3://nope/train", "gs://out/train", "--target", "local",
                    env=env, cwd=tmp_path)  # fmt: skip
    assert out.returncode == 2
    (line,) = _lines(out.stderr)
    assert "s3://nope/: bucket does not exist on the local target" in line
    assert "liftshift local seed s3://nope/PREFIX FOLDER" in line and "sample_data" in line
