"""Files a scan must survive: unparseable, binary, non-UTF-8, bad notebooks, symlinks, junk
folders, and many files (worker processes)."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from liftshift.scan import ScanError, ScanProgress, scan_project
from liftshift.scan.project import Severity
from tests.scan.conftest import MakeProject

TRAIN = 'import os\nmodel_dir = os.environ["SM_MODEL_DIR"]\n'


def test_bad_files_are_findings_and_the_scan_goes_on(make_project: MakeProject) -> None:
    root = make_project(
        {
            "train.py": TRAIN,
            "broken.py": "def f(:\n    return 1\n",
            "py2.py": 'print "hello"\n',
            "latin1.py": "# caf\xe9\n".encode("latin-1"),
            "binary.py": b"\x00\x01\x02",
            "bad.ipynb": "{not json",
            "empty.ipynb": '{"nbformat": 4}',
        }
    )
    scan = scan_project(root)
    assert [entry.path for entry in scan.entry_points] == ["train.py"]
    found = {(finding.location.path, finding.code) for finding in scan.findings}
    assert {
        ("broken.py", "parse-error"),
        ("py2.py", "parse-error"),
        ("latin1.py", "not-utf8"),
        ("binary.py", "binary-file"),
        ("bad.ipynb", "notebook-invalid"),
        ("empty.ipynb", "notebook-invalid"),
    } <= found
    broken = next(f for f in scan.findings if f.location.path == "broken.py")
    assert broken.severity is Severity.ERROR
    assert broken.location.line in (1, 2)  # the native parser points at the next token
    assert scan.files_scanned == 7


def test_symlinks_leaving_the_project_are_reported_not_followed(
    make_project: MakeProject, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(TRAIN)
    root = make_project({"train.py": TRAIN})
    os.symlink(outside, root / "linked")
    os.symlink(outside / "secret.py", root / "secret.py")
    os.symlink(root / "train.py", root / "alias.py")
    scan = scan_project(root)
    outside_links = sorted(f.location.path for f in scan.findings if f.code == "symlink-outside")
    assert outside_links == ["linked", "secret.py"]
    assert [entry.path for entry in scan.entry_points] == ["train.py"]


def test_skipped_folders(make_project: MakeProject) -> None:
    root = make_project(
        {
            ".venv/lib/train.py": TRAIN,
            "node_modules/x/train.py": TRAIN,
            ".liftshift/backup/train.py": TRAIN,
            "__pycache__/train.py": TRAIN,
            "plain.py": "x = 1\n",
        }
    )
    scan = scan_project(root)
    assert scan.files_scanned == 1
    assert not scan.is_sagemaker_project


def test_bad_path_raises(tmp_path: Path) -> None:
    with pytest.raises(ScanError, match="no such folder"):
        scan_project(tmp_path / "missing")
    (tmp_path / "file.py").write_text("x = 1\n")
    with pytest.raises(ScanError, match="not a folder"):
        scan_project(tmp_path / "file.py")


def test_many_files_use_worker_processes_and_report_progress(make_project: MakeProject) -> None:
    files: dict[str, str | bytes] = {f"pkg/m{i}.py": f"VALUE = {i}\n" for i in range(200)}
    files["pkg/train.py"] = TRAIN
    files["pkg/broken.py"] = "def (:\n"
    root = make_project(files)
    events: list[ScanProgress] = []
    parallel = scan_project(root, reporter=events.append, jobs=2)
    serial = scan_project(root, jobs=1)
    assert parallel.to_dict() == serial.to_dict()
    assert parallel.files_scanned == 202
    assert [entry.path for entry in parallel.entry_points] == ["pkg/train.py"]
    assert events[0] == ScanProgress(0, 202, "")
    assert events[-1].done == events[-1].total == 202
    assert all(a.done <= b.done for a, b in itertools.pairwise(events))


def test_a_scanner_bug_on_one_file_is_a_finding(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liftshift.scan import analyze

    real = analyze._python

    def explode(task, text, result):  # type: ignore[no-untyped-def]
        if task.path == "odd.py":
            raise RecursionError("too deep")
        real(task, text, result)

    monkeypatch.setattr(analyze, "_python", explode)
    root = make_project({"train.py": TRAIN, "odd.py": "x = 1\n"})
    scan = scan_project(root, jobs=1)
    assert [entry.path for entry in scan.entry_points] == ["train.py"]
    (failed,) = [f for f in scan.findings if f.code == "scan-failed"]
    assert failed.location.path == "odd.py"
    assert "RecursionError" in failed.message


def test_sibling_imports_are_followed_through_sibling_modules(make_project: MakeProject) -> None:
    root = make_project(
        {
            "trainer/task.py": """
                import os
                import model
                from utils.io import load

                def main():
                    import metrics
                    return os.environ["SM_MODEL_DIR"]
            """,
            "trainer/model.py": "import layers\nimport numpy\n",
            "trainer/layers.py": "from . import model\nimport model\n",
            "trainer/metrics.py": "x = 1\n",
            "trainer/utils/__init__.py": "",
            "trainer/utils/io.py": "import layers\n",
            "other.py": "import model\n",
        }
    )
    scan = scan_project(root)
    (entry,) = scan.entry_points
    assert [(ref.location.path, ref.detail) for ref in entry.sibling_imports] == [
        ("trainer/task.py", "import model"),
        ("trainer/task.py", "from utils.io import load"),
        ("trainer/task.py", "import metrics"),
        ("trainer/model.py", "import layers"),
        ("trainer/utils/io.py", "import layers"),
        ("trainer/layers.py", "import model"),
    ]
    flagged = sorted(
        (f.location.path, f.location.line) for f in scan.findings if f.code == "sibling-import"
    )
    assert flagged == [
        ("trainer/layers.py", 2),
        ("trainer/model.py", 1),
        ("trainer/task.py", 2),
        ("trainer/task.py", 3),
        ("trainer/task.py", 6),
        ("trainer/utils/io.py", 1),
    ]


def test_the_trainer_corpus_scans_without_internal_errors() -> None:
    """tests/corpus holds realistic script-mode trainers (owned by the codemod tests)."""
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    if not corpus.is_dir():
        pytest.skip("no trainer corpus")
    scan = scan_project(corpus, jobs=1)
    assert not [f for f in scan.findings if f.code == "scan-failed"]
    assert len(scan.entry_points) >= scan.files_scanned // 2
