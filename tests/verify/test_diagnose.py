"""The plain-words diagnosis, from what verify saw (no processes here)."""

from __future__ import annotations

from pathlib import Path

from liftshift.foundation.plan import ChannelPlan, Plan
from liftshift.verify import diagnose
from liftshift.verify.compare import ArtifactParity
from liftshift.verify.report import SideRun, VerifyReport


def _report(**migrated: object) -> VerifyReport:
    report = VerifyReport("p", "differ")
    report.original = SideRun("original", "sagemaker", exit_code=0, channels_read=["train"])
    report.migrated = SideRun("migrated", "vertex", **migrated)  # type: ignore[arg-type]
    return report


def _project(tmp_path: Path) -> tuple[Plan, Path]:
    (tmp_path / "trainer").mkdir()
    (tmp_path / "trainer" / "train.py").write_text('parser.add_argument("--train")\n')
    plan = Plan()
    plan.code.module = "trainer.train"
    plan.data.channels = [ChannelPlan(name="train", argument="--training")]
    return plan, tmp_path


def test_a_channel_never_read_names_the_flag_the_trainer_does_not_parse(tmp_path: Path) -> None:
    plan, project = _project(tmp_path)
    report = _report(exit_code=0, channels_read=[])
    report.artifacts = ArtifactParity({"model.joblib": 1}, {"model.joblib": 1})
    lines = diagnose.explain(
        report, plan=plan, project=project, original_log="", migrated_log="0 rows read\n"
    )
    assert (
        "the migrated trainer never read the `train` channel "
        "(flag --training is not parsed by trainer/train.py)"
    ) in lines
    assert "the migrated trainer read nothing: its log says “0 rows”" in lines


def test_a_failed_run_names_unparsed_flags_and_missing_packages(tmp_path: Path) -> None:
    plan, project = _project(tmp_path)
    error = "train.py: error: unrecognized arguments: --job-dir /x --extra 1"
    lines = diagnose.explain(
        _report(exit_code=2, last_error=error, channels_read=["train"]),
        plan=plan,
        project=project,
        original_log="",
        migrated_log="",
    )
    assert lines[0] == f"the migrated trainer failed: {error}"
    assert "flag --job-dir is not parsed by trainer/train.py" in lines
    assert "flag --extra is not parsed by trainer/train.py" in lines
    missing = "ModuleNotFoundError: No module named 'torch.nn'"
    lines = diagnose.explain(
        _report(exit_code=1, last_error=missing, channels_read=["train"]),
        plan=plan,
        project=project,
        original_log="",
        migrated_log="",
    )
    assert any(line.startswith("the trainer's environment has no `torch`") for line in lines)


def test_a_match_needs_no_diagnosis(tmp_path: Path) -> None:
    plan, project = _project(tmp_path)
    report = _report(exit_code=0, channels_read=["train"])
    report.verdict = "match"
    assert (
        diagnose.explain(report, plan=plan, project=project, original_log="", migrated_log="") == []
    )


def test_the_original_is_restored_through_every_apply(tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from liftshift.cli import cli
    from liftshift.verify import restore_original

    source = Path(__file__).parent / "projects" / "optml-sklearn"
    project = tmp_path / "optml-sklearn"
    shutil.copytree(source, project)
    runner = CliRunner()
    runner.invoke(cli, ["plan", str(project)])
    for rules in (["--skip", "LS002"], []):  # two applies: the second adds what the first skipped
        result = runner.invoke(cli, ["migrate", str(project), "--apply", "--force", *rules])
        assert result.exit_code in (0, 1), result.output
    assert (project / "trainer").is_dir()
    from liftshift.migrator.apply import applies

    assert len(applies(project)) == 2
    restored = restore_original(project, tmp_path / "restored")
    files = {p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()}
    originals = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    assert files == originals | {"liftshift.toml"}
    for name in originals:
        assert (restored / name).read_bytes() == (source / name).read_bytes(), name


def test_a_match_claims_only_what_was_compared() -> None:
    from liftshift.verify.compare import MetricParity, PredictionParity

    files = {"model.joblib": 10}
    parity = ArtifactParity(files, files, identical=["model.joblib"])
    report = VerifyReport("p", "match", artifacts=parity)
    assert report.compared() == ["model files"]  # no metrics printed, model not loadable
    report.metrics = [MetricParity("accuracy", 0.75, 0.75, ok=True)]
    report.predictions = PredictionParity(False, reason="no loader for model.onnx")
    assert report.compared() == ["model files", "metrics"]
    report.predictions = PredictionParity(True)
    assert report.compared() == ["model files", "metrics", "predictions"]
