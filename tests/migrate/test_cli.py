import json

from click.testing import CliRunner

from liftshift.cli import cli
from tests.migrate.conftest import git, git_init, snapshot


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_prints_a_patch_git_accepts_and_the_report(project) -> None:
    git_init(project)
    result = invoke("migrate", str(project))
    assert result.exit_code == 0
    assert result.stdout.startswith("diff --git ")
    assert "rename from train.py\nrename to trainer/task.py\n" in result.stdout
    assert "files changed, " in result.stderr and "need attention" in result.stderr
    assert "launch_vertex.py:" in result.stderr and ": LS006: " in result.stderr
    (project / "p.diff").write_text(result.stdout, encoding="utf-8", newline="")
    check = git(project, "apply", "--check", "p.diff")
    assert check.returncode == 0, check.stderr


def test_check_apply_check_undo(project) -> None:
    before = snapshot(project)
    assert invoke("migrate", "--check", str(project)).exit_code == 1
    assert snapshot(project) == before
    applied = invoke("migrate", "--apply", str(project))
    assert applied.exit_code == 0, applied.output
    assert "move: train.py -> trainer/task.py" in applied.stdout
    assert invoke("migrate", "--check", str(project)).exit_code == 0
    undone = invoke("undo", str(project))
    assert undone.exit_code == 0 and "restored: train.py" in undone.stdout
    assert snapshot(project) == before
    assert invoke("undo", str(project)).exit_code == 1


def test_json(project) -> None:
    result = invoke("migrate", "--json", "--check", str(project))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files_changed"] == len(data["changes"]) > 0
    assert {"path", "line", "rule", "message", "severity"} <= set(data["entries"][0])
    assert data["diff"].startswith("diff --git")


def test_usage_errors_exit_2(project, tmp_path) -> None:
    assert invoke("migrate", "--rules", "LS999", str(project)).exit_code == 2
    assert invoke("migrate", "--check", "--apply", str(project)).exit_code == 2
    assert invoke("migrate", str(tmp_path / "missing")).exit_code == 2
    (project / "liftshift.toml").write_text("not = [valid", encoding="utf-8")
    result = invoke("migrate", str(project))
    assert result.exit_code == 2 and "not valid TOML" in result.stderr


def test_partial_failure_never_exits_0(project) -> None:
    (project / "helpers.py").write_text("def broken(:\n", encoding="utf-8")
    result = invoke("migrate", "--apply", str(project))
    assert result.exit_code == 1
    assert "helpers.py:1: LS000: does not parse" in result.stdout
    assert (project / "trainer" / "task.py").exists()  # the others were migrated


def test_dirty_tree_refusal_and_force(project) -> None:
    git_init(project)
    (project / "launch.py").write_text("# edited\n", encoding="utf-8")
    refused = invoke("migrate", "--apply", str(project))
    assert refused.exit_code == 1 and "uncommitted changes" in refused.stderr
    assert invoke("migrate", "--apply", "--force", str(project)).exit_code == 0


def test_out_and_list_rules(project, tmp_path) -> None:
    result = invoke("migrate", "--out", str(tmp_path / "copy"), str(project))
    assert result.exit_code == 0
    assert (tmp_path / "copy" / "trainer" / "task.py").exists()
    listed = invoke("migrate", "--list-rules")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [
        "LS001",
        "LS002",
        "LS003",
        "LS004",
        "LS005",
        "LS006",
        "LS007",
    ]
