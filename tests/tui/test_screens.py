"""Smaller paths: the tier picker's preview, the folder dialog, the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import OptionList, Static

from liftshift.foundation.settings import Settings
from liftshift.tui.app import make_app
from liftshift.tui.dialogs.folder import FolderDialog
from tests.tui.conftest import wait_for


async def test_train_preview_follows_the_tier_choice(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("4")
        screen = app.screen
        await wait_for(pilot, lambda: screen.spec is not None)  # type: ignore[attr-defined]
        preview = screen.query_one("#train-preview", Static)
        source = str(screen.query_one("#train-source", Static).render())
        assert "ml.m4.xlarge" in source
        tiers = screen.query_one("#train-tiers", OptionList)
        ids = [tiers.get_option_at_index(i).id for i in range(tiers.option_count)]
        tiers.highlighted = ids.index("BASIC_GPU")
        await pilot.pause()
        text = str(preview.render())
        assert "NVIDIA_TESLA_T4" in text and "n1-standard-8" in text
        tiers.highlighted = ids.index("STANDARD_1")
        await pilot.pause()
        text = str(preview.render())
        assert "worker: 4 x n1-highcpu-8" in text
        assert "parameter_server: 3 x n1-standard-4" in text


async def test_open_folder_rescans_the_chosen_project(
    local_settings: Settings, titanic: Path, tmp_path: Path
) -> None:
    other = tmp_path / "empty-project"
    other.mkdir()
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.scan is not None)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, FolderDialog)
        path_input = app.screen.query_one("#path")
        path_input.value = str(other)  # type: ignore[attr-defined]
        path_input.focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                app.session.scan is not None and app.session.scan.root.endswith("empty-project")
            ),
        )
        status = str(app.screen.query_one("#scan-status", Static).render())
        assert "no SageMaker code found" in status
        assert app.session.settings.project_dir == other


def test_tui_command_refuses_a_missing_folder(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "liftshift", "tui", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2
    assert "does not exist" in out.stderr


async def test_predict_says_when_the_project_has_no_sample_instances(
    local_settings: Settings, titanic: Path
) -> None:
    (titanic / "sample_instances.json").unlink()
    app = make_app(settings=local_settings, start="model")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.loaded)  # type: ignore[attr-defined]
        await pilot.press("d")
        shown = screen.query_one("#predictions", Static)
        await wait_for(pilot, lambda: "No sample_instances.json" in str(shown.render()))
        assert any("No sample_instances.json" in n.message for n in app._notifications)
        assert screen.prediction is None  # type: ignore[attr-defined]


def test_the_predictions_panel_shows_the_prediction_note() -> None:
    from liftshift.trainer.predict import Prediction
    from liftshift.trainer.registry.base import ModelVersion
    from liftshift.tui.screens.model import prediction_text

    version = ModelVersion("m", "1", (), "/art")
    note = "m version 1: it was registered without its package, so it is loaded with …"
    shown = prediction_text(version, Prediction([0, 1], "/art", note=note))
    assert shown.splitlines() == ["Version 1 of m at /art", "  #1  0", "  #2  1", f"Note: {note}"]
    assert "Note" not in prediction_text(version, Prediction([0], "/art"))


async def test_scan_status_names_the_file_and_the_count(local_settings: Settings) -> None:
    from liftshift.scan import ScanProgress
    from liftshift.tui.messages import CoreProgress

    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        app.screen.post_message(CoreProgress(ScanProgress(done=1, total=3, path="launch.py")))
        await pilot.pause()
        status = str(app.screen.query_one("#scan-status", Static).render())
        assert status == "Scanning launch.py (1/3)"


async def test_train_step_shows_the_access_mapping(titanic: Path) -> None:
    from liftshift.foundation.plan import load_plan, save_plan
    from liftshift.iam.planning import propose_iam, save_iam
    from liftshift.migrator.planner import plan_from_scan
    from liftshift.scan import scan_project

    settings = Settings.from_env(titanic, env={})
    save_plan(plan_from_scan(scan_project(titanic)), titanic)
    proposal = propose_iam(load_plan(titanic), settings, use_aws=False, gcp_project="acme-ml")
    save_iam(proposal.plan, titanic)
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("4")
        screen = app.screen
        await wait_for(pilot, lambda: screen.spec is not None)  # type: ignore[attr-defined]
        text = str(screen.query_one("#train-preview", Static).render())
        assert "runs as titanic-sklearn-trainer@acme-ml.iam.gserviceaccount.com" in text
        assert "storage.objectUser on gs://acme-ml-datasets (objects under liftshift/)" in text


async def test_the_plan_form_says_why_it_chose_the_entry_point(local_settings: Settings) -> None:
    app = make_app(settings=local_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.pause()
        note = str(app.screen.query_one("#plan-source", Static).render())
        assert note.startswith("Proposed from the scan - not saved yet (ctrl+s).")
        assert "Entry point train.py: named by the launcher launch.py." in note


async def test_model_step_shows_the_last_verify_parity_table(
    local_settings: Settings, titanic: Path
) -> None:
    import json

    from liftshift.verify.compare import MetricParity
    from liftshift.verify.report import SideRun, VerifyReport
    from liftshift.verify.runner import last_report_path

    report = VerifyReport(str(titanic), "differ", reason="metrics differ")
    report.original = SideRun("original", "sagemaker", exit_code=0)
    report.migrated = SideRun("migrated", "vertex", exit_code=0)
    report.metrics = [MetricParity("test accuracy", 0.75, 0.5, ok=False)]
    report.diagnosis = ["metric test accuracy: original 0.75, migrated 0.5"]
    path = last_report_path(titanic)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(report.to_dict() | {"text": report.text_lines()}))
    app = make_app(settings=local_settings, start="model")
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.screen.query_one("#verify", Static)
        await wait_for(pilot, lambda: panel.display)
        shown = str(panel.render())
        assert "verdict: DIFFER: metrics differ" in shown
        assert "metric test accuracy" in shown and "DIFFERS" in shown


async def test_train_step_says_the_distributed_launch_mapping(titanic: Path) -> None:
    from liftshift.foundation.plan import save_plan
    from liftshift.migrator.planner import plan_from_scan
    from liftshift.scan import scan_project

    settings = Settings.from_env(titanic, env={})
    plan = plan_from_scan(scan_project(titanic))
    plan.training.instance_count = 3
    plan.training.distribution = "parameter_server"
    plan.training.parameter_servers = 2
    save_plan(plan, titanic)
    app = make_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.session.plan is not None)
        await pilot.press("4")
        screen = app.screen
        await wait_for(pilot, lambda: screen.spec is not None)  # type: ignore[attr-defined]
        source = str(screen.query_one("#train-source", Static).render())
        assert "x 3, distribution parameter_server" in source
        text = str(screen.query_one("#train-preview", Static).render())
        assert "parameter_server: 2 x" in text
        assert "distribution parameter_server: chief + workers + a parameter-server pool" in text
