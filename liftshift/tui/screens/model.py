"""Step 6 - Model: the version the training registered, and every version of that model.

Reads the registry through the core's ``get_registry`` (versions on disk for the local target,
the Vertex AI Model Registry for gcp) in a thread worker. ``d`` deploys the selected version and
sends it the project's ``sample_instances.json`` through the core's ``predict`` (an endpoint on
gcp, a fresh process loading the artifact locally): a thread worker too, as deploying takes
minutes on Vertex AI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from liftshift.tui.messages import CoreProgress, CoreResult
from liftshift.tui.screens.base import StepScreen


def version_text(version: Any) -> str:
    created = (
        time.strftime("%Y-%m-%d %H:%M", time.localtime(version.created)) if version.created else "-"
    )
    lines = [
        f"Model      {version.model}",
        f"Version    {version.version_id}",
        f"Aliases    {', '.join(version.aliases) or '-'}",
        f"Artifact   {version.artifact_uri}",
        f"Container  {version.serving_container or '-'}",
    ]
    if getattr(version, "predictor", ""):
        lines.append(f"Predictor  {version.predictor} (the project's SageMaker handlers)")
    lines += [
        f"Created    {created}",
    ]
    if version.description:
        lines.append(f"About      {version.description}")
    return "\n".join(lines)


def verify_text(report: dict[str, Any]) -> str:
    """The parity table and verdict of the last ``liftshift verify`` (its saved report)."""
    lines = report.get("text") or [f"verdict: {report.get('verdict', '?')}"]
    return "\n".join(["Verify: the original (SageMaker) beside the migrated trainer", *lines])


def prediction_text(version: Any, prediction: Any) -> str:
    """One line per instance, in the order of ``sample_instances.json``."""
    lines = [f"Version {version.version_id} of {version.model} at {prediction.endpoint}"]
    lines += [
        f"  #{number}  {json.dumps(value)}"
        for number, value in enumerate(prediction.predictions, start=1)
    ]
    if getattr(prediction, "note", ""):
        lines.append(f"Note: {prediction.note}")
    return "\n".join(lines)


class ModelScreen(StepScreen):
    STEP = "model"
    HELP = (
        "The model version the last training registered: its number (1 for a new model, then "
        "2, 3…), aliases (`default` on the first), the artifact folder and the prediction "
        "container. Below, the versions of the selected model. `r` reads the registry again. "
        "`d` deploys the selected version (a Vertex AI endpoint on gcp; loaded the same way in "
        "a fresh process locally) and predicts the project's `sample_instances.json`. When "
        "`liftshift verify` (or the verify step of `liftshift run`) has run, its parity table "
        "and verdict show at the top."
    )
    ACTIONS = (
        ("Refresh models", "Read the model registry again", "refresh"),
        ("Deploy and test prediction", "Predict sample_instances.json with a version", "deploy"),
    )
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("d", "deploy", "Deploy+predict", tooltip="Deploy and test a prediction"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected_model: str | None = None
        self.loaded = False
        """True once the registry has been read (tests wait for it)."""
        self.versions: dict[str, Any] = {}
        """The listed versions of the selected model, by version id (the table's row keys)."""
        self.prediction: Any = None
        """The last ``Prediction`` (tests wait for it)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(
            "No model registered in this session yet.",
            id="model-version",
            classes="status",
            markup=False,
        )
        yield Static("", id="verify", classes="status", markup=False)
        yield Label("Models", classes="section-title")
        yield DataTable(id="models", cursor_type="row")
        yield Label("Versions", classes="section-title")
        yield DataTable(id="versions", cursor_type="row", zebra_stripes=True)
        yield Static(
            "d: deploy the selected version and predict sample_instances.json.",
            id="predictions",
            classes="status",
            markup=False,
        )

    def on_mount(self) -> None:
        self.query_one("#verify", Static).display = False  # until a verify report exists
        models = self.query_one("#models", DataTable)
        models.add_columns("Model", "Default version", "Aliases")
        models.styles.height = 5
        versions = self.query_one("#versions", DataTable)
        versions.add_columns("Version", "Aliases", "Created", "Artifact")
        versions.styles.height = "1fr"

    def on_screen_resume(self) -> None:
        version = self.session.model_version
        if version is not None:
            self.query_one("#model-version", Static).update(version_text(version))
            self.selected_model = version.model
        self.action_refresh()

    def action_refresh(self) -> None:
        self.registry_worker(self.selected_model)

    @work(thread=True, exclusive=True, exit_on_error=False, group="registry", name="Registry")
    def registry_worker(self, model: str | None) -> None:
        from liftshift.trainer.registry import get_registry

        registry = get_registry(self.session.settings)
        models = registry.list_models()
        if model is None and models:
            model = models[0].model
        versions = registry.list_versions(model) if model else []
        self.post_message(CoreResult("registry", (models, model, versions)))
        from liftshift.verify import load_last_report

        report = load_last_report(Path(self.session.settings.project_dir))
        if report is not None:
            self.post_message(CoreResult("verify", report))

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind == "cannot-predict":
            self._prediction_status(message.value)
            self.notify(message.value, severity="warning")
            return
        if message.kind == "prediction":
            version, self.prediction = message.value
            self._prediction_status(prediction_text(version, self.prediction))
            return
        if message.kind == "verify":
            panel = self.query_one("#verify", Static)
            panel.update(verify_text(message.value))
            panel.display = True
            return
        if message.kind != "registry":
            return
        models, model, versions = message.value
        self.selected_model = model
        self.loaded = True
        table = self.query_one("#models", DataTable)
        table.clear()
        for entry in models:
            table.add_row(entry.model, entry.version_id, ", ".join(entry.aliases), key=entry.model)
        if not models:
            self.query_one("#model-version", Static).update(
                "No models in the registry yet: train one (4)."
            )
        rows = self.query_one("#versions", DataTable)
        rows.clear()
        self.versions = {version.version_id: version for version in versions}
        for version in sorted(
            versions, key=lambda v: int(v.version_id) if v.version_id.isdigit() else 0, reverse=True
        ):
            created = (
                time.strftime("%m-%d %H:%M", time.localtime(version.created))
                if version.created
                else "-"
            )
            rows.add_row(
                version.version_id,
                ", ".join(version.aliases) or "-",
                created,
                version.artifact_uri,
                key=version.version_id,
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "models" and event.row_key.value:
            self.selected_model = str(event.row_key.value)
            self.action_refresh()

    # -- deploy and test prediction -----------------------------------------------------------
    def _selected_version(self) -> Any:
        """The version under the cursor in the versions table, else the one trained here."""
        rows = self.query_one("#versions", DataTable)
        if rows.row_count:
            key = rows.coordinate_to_cell_key(rows.cursor_coordinate).row_key.value
            if key in self.versions:
                return self.versions[key]
        return self.session.model_version

    def action_deploy(self) -> None:
        if any(w.node is self and w.group == "deploy" and w.is_running for w in self.workers):
            self.notify("A deployment is already running.", severity="warning")
            return
        version = self._selected_version()
        self.prediction = None
        where = "on Vertex AI" if self.session.settings.target == "gcp" else "locally"
        self._prediction_status(
            "Reading sample_instances.json…"
            if version is None
            else f"Deploying version {version.version_id} of {version.model} {where}…"
        )
        self.deploy_worker(version, self.session.settings)

    @work(thread=True, exclusive=True, exit_on_error=False, group="deploy", name="Deploy")
    def deploy_worker(self, version: Any, settings: Any) -> None:
        from liftshift.trainer.predict import INSTANCES_FILE, predict, project_instances

        instances = project_instances(Path(settings.project_dir))
        if instances is None:
            reason = (
                f"No {INSTANCES_FILE} in this project: add one (a JSON list of instances, or "
                '{"instances": [...]}) to test a prediction.'
            )
            self.post_message(CoreResult("cannot-predict", reason))
            return
        if version is None:
            self.post_message(
                CoreResult("cannot-predict", "No model version to deploy yet: train one (4).")
            )
            return
        try:
            prediction = predict(
                version,
                instances,
                settings,
                reporter=lambda event: self.post_message(CoreProgress(event)),
            )
        except Exception:
            self.app.call_from_thread(
                self._prediction_status, "Prediction failed (see the notification)."
            )
            raise  # the one Worker.StateChanged handler turns it into a notification
        self.post_message(CoreResult("prediction", (version, prediction)))

    def on_core_progress(self, message: CoreProgress) -> None:
        text = getattr(message.event, "message", "")
        if text:
            self._prediction_status(f"{text}…")

    def _prediction_status(self, text: str) -> None:
        self.query_one("#predictions", Static).update(text)
