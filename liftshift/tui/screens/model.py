"""Step 6 - Model: the version the training registered, and every version of that model.

Reads the registry through the core's ``get_registry`` (versions on disk for the local target,
the Vertex AI Model Registry for gcp) in a thread worker.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from liftshift.tui.messages import CoreResult
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
        f"Created    {created}",
    ]
    if version.description:
        lines.append(f"About      {version.description}")
    return "\n".join(lines)


class ModelScreen(StepScreen):
    STEP = "model"
    HELP = (
        "The model version the last training registered: its number (1 for a new model, then "
        "2, 3…), aliases (`default` on the first), the artifact folder and the prediction "
        "container. Below, the versions of the selected model. `r` reads the registry again."
    )
    ACTIONS = (("Refresh models", "Read the model registry again", "refresh"),)
    BINDINGS = [Binding("r", "refresh", "Refresh")]

    def __init__(self) -> None:
        super().__init__()
        self.selected_model: str | None = None
        self.loaded = False
        """True once the registry has been read (tests wait for it)."""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(
            "No model registered in this session yet.",
            id="model-version",
            classes="status",
            markup=False,
        )
        yield Label("Models", classes="section-title")
        yield DataTable(id="models", cursor_type="row")
        yield Label("Versions", classes="section-title")
        yield DataTable(id="versions", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        models = self.query_one("#models", DataTable)
        models.add_columns("Model", "Default version", "Aliases")
        models.styles.height = 5
        self.query_one("#versions", DataTable).add_columns(
            "Version", "Aliases", "Created", "Artifact"
        )

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

    def on_core_result(self, message: CoreResult) -> None:
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
        for version in sorted(
            versions, key=lambda v: int(v.version_id) if v.version_id.isdigit() else 0, reverse=True
        ):
            created = (
                time.strftime("%m-%d %H:%M", time.localtime(version.created))
                if version.created
                else "-"
            )
            rows.add_row(
                version.version_id, ", ".join(version.aliases) or "-", created, version.artifact_uri
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "models" and event.row_key.value:
            self.selected_model = str(event.row_key.value)
            self.action_refresh()
