"""Step 2 - Changes: review the migration hunk by hunk, then write only what you accepted.

The core builds the ChangeSet (``migrate_project``: libcst codemods, in a thread worker) and
writes it (``apply_changeset``: re-parses every accepted result, backs up, refuses a dirty git
tree unless told), then saves the plan it was made with (``save_plan_used``). Toggling a hunk
toggles the hunks linked to it (``FileChange.set_hunk``). This screen only flips ``accepted``
on hunks and files, shows the result, and asks before writing. ``u`` undoes the last write
from its backup (``undo_last``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from liftshift.tui.dialogs.confirm import ConfirmDialog
from liftshift.tui.messages import CoreProgress, CoreResult
from liftshift.tui.screens.base import StepScreen
from liftshift.tui.widgets.diff_view import DiffView
from liftshift.tui.widgets.format import describe_event

KIND_MARK = {"create": "A", "modify": "M", "move": "R", "delete": "D"}


def file_label(change: Any) -> str:
    added = sum(h.added for h in change.hunks)
    removed = sum(h.removed for h in change.hunks)
    accepted = sum(1 for h in change.hunks if h.accepted)
    file_state = "" if change.accepted or change.kind == "modify" else " (skipped)"
    return (
        f"{KIND_MARK.get(change.kind, '?')} {change.path}  +{added} -{removed}  "
        f"{accepted}/{len(change.hunks)}{file_state}"
    )


class ChangesScreen(StepScreen):
    STEP = "changes"
    HELP = (
        "The changes that turn the project into a Vertex AI trainer package, file by file "
        "(A created, M modified, R moved, D deleted) with +added -removed lines and accepted "
        "hunks. Review each hunk: `space` accepts or rejects the one under the cursor, `n`/`p` "
        "move between hunks (on to the next or previous file), `a`/`r` accept or reject the "
        "whole file. Lines marked "
        "`TODO(liftshift)` need your attention; they are also listed below the diff. `w` writes "
        "only the accepted hunks after showing what will be written (backups are kept); `u` "
        "undoes the last write."
    )
    ACTIONS = (
        ("Write accepted changes", "Apply the accepted hunks (asks first)", "write"),
        ("Undo last write", "Restore the files from the last write's backup", "undo"),
        ("Recompute changes", "Run the codemods again", "recompute"),
    )
    BINDINGS = [
        Binding("space", "toggle_hunk", "Toggle"),
        Binding("n", "next_hunk", "Next"),
        Binding("p", "prev_hunk", "Prev"),
        Binding("a", "accept_file", "Accept"),
        Binding("r", "reject_file", "Reject"),
        Binding("w", "write", "Write"),
        Binding("u", "undo", "Undo"),
        Binding("g", "recompute", "Recompute", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result: Any = None
        self._project: Any = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="changes-status", classes="status", markup=False)
        with Horizontal(id="changes-main"):
            yield OptionList(id="files", compact=True)
            with Vertical(id="changes-right"):
                yield DiffView(id="diff")
                yield Label("Needs attention", classes="section-title")
                yield OptionList(id="todos", compact=True)

    def on_screen_resume(self) -> None:
        project = self.session.settings.project_dir
        if self.result is None or self._project != project or self.session.changes is None:
            if self.session.plan is None and self.session.scan is None:
                self._status("No plan yet: scan the project (1) first.")
                return
            self.action_recompute()

    def _status(self, text: str) -> None:
        self.query_one("#changes-status", Static).update(text)

    # -- computing the changes ----------------------------------------------------------------
    def action_recompute(self) -> None:
        self._project = self.session.settings.project_dir
        self._status("Computing the changes…")
        self.migrate_worker(self._project, self.session.plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="migrate", name="Changes")
    def migrate_worker(self, root: Any, plan: Any) -> None:
        from liftshift.migrator.migrate import migrate_project

        launchers = list(plan.code.launchers) if plan is not None else None
        result = migrate_project(
            root,
            plan=plan,
            launchers=launchers,
            reporter=lambda event: self.post_message(CoreProgress(event)),
        )
        self.post_message(CoreResult("changes", result))

    def on_core_progress(self, message: CoreProgress) -> None:
        self._status(f"Computing the changes… {describe_event(message.event)}")

    def on_core_result(self, message: CoreResult) -> None:
        if message.kind == "changes":
            self.result = message.value
            self.session.changes = self.result.changeset
            self._show_result()
        elif message.kind == "written":
            files, _record = message.value
            self.notify(
                f"Wrote {files} file(s); backup in .liftshift (u undoes).",
                title="Changes written",
            )
            self.action_recompute()
        elif message.kind == "dirty":
            self._ask_force(message.value)
        elif message.kind == "undone":
            self.notify(f"Restored {len(message.value.paths)} file(s).", title="Undo")
            self.action_recompute()

    def _show_result(self) -> None:
        files = self.query_one("#files", OptionList)
        files.clear_options()
        changes = list(self.result.changeset)
        files.add_options(Option(file_label(c), id=c.path) for c in changes)
        todos = self.query_one("#todos", OptionList)
        todos.clear_options()
        todos.add_options(
            Option(f"{e.path}:{e.line} {e.rule}: {e.message}", id=f"todo-{i}")
            for i, e in enumerate(self.result.entries)
        )
        if not self.result.entries:
            todos.add_option(Option("Nothing: every change was made safely.", disabled=True))
        self._update_status()
        if changes:
            files.highlighted = 0
            self.query_one(DiffView).show(changes[0])
        else:
            self.query_one(DiffView).show(None)

    def _update_status(self) -> None:
        changeset = self.result.changeset
        hunks = [h for c in changeset for h in c.hunks]
        accepted = sum(1 for h in hunks if h.accepted)
        self._status(
            f"{self.result.summary()}; {accepted}/{len(hunks)} hunks accepted"
            if len(changeset)
            else "Nothing to change: the project is already migrated."
        )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "files" and self.result is not None:
            change = self.result.changeset.get(event.option.id or "")
            diff = self.query_one(DiffView)
            if change is not None and change is not diff.change:
                diff.show(change)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "files":
            self.query_one(DiffView).focus()
        elif event.option_list.id == "todos" and self.result is not None:
            entry = self.result.entries[int((event.option.id or "todo-0")[5:])]
            change = self.result.changeset.get(entry.path)
            if change is not None:
                self._select_file(change.path)
                self.query_one(DiffView).goto_line(change, entry.line)

    def _select_file(self, path: str) -> None:
        files = self.query_one("#files", OptionList)
        files.highlighted = files.get_option_index(path)

    # -- review keys --------------------------------------------------------------------------
    def _refresh_file(self) -> None:
        diff = self.query_one(DiffView)
        diff.redraw()
        if diff.change is not None:
            files = self.query_one("#files", OptionList)
            files.replace_option_prompt(diff.change.path, file_label(diff.change))
        self._update_status()

    def action_toggle_hunk(self) -> None:
        diff = self.query_one(DiffView)
        hunk = diff.current_hunk
        if hunk is not None and diff.change is not None:
            group = diff.change.set_hunk(hunk, not hunk.accepted)
            if len(group) > 1:
                state = "accepted" if hunk.accepted else "rejected"
                self.notify(
                    f"{len(group) - 1} linked hunk(s) {state} too: they declare or use the "
                    "same argument",
                    title="Linked hunks",
                )
            self._refresh_file()

    def action_next_hunk(self) -> None:
        self._move_hunk(1)

    def action_prev_hunk(self) -> None:
        self._move_hunk(-1)

    def _move_hunk(self, step: int) -> None:
        """The next (previous) hunk, going on to the next (previous) file with hunks after
        the last (before the first) one of this file."""
        diff = self.query_one(DiffView)
        if diff.move(step) or self.result is None:
            return
        changes = list(self.result.changeset)
        index = next((i for i, c in enumerate(changes) if c is diff.change), -1)
        following = changes[index + 1 :] if step > 0 else changes[:index][::-1]
        neighbour = next((c for c in following if c.hunks), None)
        if neighbour is None:
            self.notify("No more hunks." if step > 0 else "This is the first hunk.", timeout=2)
            return
        self._select_file(neighbour.path)
        diff.show(neighbour)
        diff.select(0 if step > 0 else -1)

    def _set_file(self, accepted: bool) -> None:
        change = self.query_one(DiffView).change
        if change is None:
            return
        change.accepted = accepted
        for hunk in change.hunks:
            hunk.accepted = accepted
        self._refresh_file()

    def action_accept_file(self) -> None:
        self._set_file(True)

    def action_reject_file(self) -> None:
        self._set_file(False)

    # -- write and undo -----------------------------------------------------------------------
    def action_write(self) -> None:
        if self.result is None:
            return
        changeset = self.result.changeset
        effective = changeset.effective()
        if not effective:
            self.notify("Nothing accepted to write.", severity="warning")
            return
        try:
            changeset.validate()
        except ValueError as exc:
            self.notify(
                str(exc),
                title="Cannot write: a result does not parse",
                severity="error",
                markup=False,
            )
            return
        lines = []
        for change in effective:
            accepted = sum(1 for h in change.hunks if h.accepted)
            lines.append(
                f"{KIND_MARK.get(change.kind, '?')} {change.path}  "
                f"({accepted}/{len(change.hunks)} hunks)"
            )
        rejected = sum(1 for c in changeset for h in c.hunks if not h.accepted)
        if rejected:
            lines.append(f"{rejected} rejected hunk(s) will not be written.")
        if self.result.entries:
            lines.append(f"{len(self.result.entries)} item(s) need attention after writing.")
        self.app.push_screen(
            ConfirmDialog(f"Write {len(effective)} file(s)?", "\n".join(lines), yes="Write"),
            lambda yes: self.write_worker(force=False) if yes else None,
        )

    def _ask_force(self, reason: str) -> None:
        self.app.push_screen(
            ConfirmDialog("Write over uncommitted changes?", reason, yes="Write anyway"),
            lambda yes: self.write_worker(force=True) if yes else None,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="write", name="Write")
    def write_worker(self, *, force: bool) -> None:
        from liftshift.migrator.apply import DirtyTreeError, apply_changeset
        from liftshift.migrator.migrate import save_plan_used

        files = len(self.result.changeset.effective())  # what the dialog counted
        try:
            record = apply_changeset(self.result.changeset, self._project, force=force)
        except DirtyTreeError as exc:
            self.post_message(CoreResult("dirty", str(exc)))
            return
        save_plan_used(self.result)  # later steps (and `liftshift run`) need this very plan
        self.post_message(CoreResult("written", (files, record)))

    def action_undo(self) -> None:
        self.app.push_screen(
            ConfirmDialog("Undo the last write?", "Files are restored from the backup."),
            lambda yes: self.undo_worker() if yes else None,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="write", name="Undo")
    def undo_worker(self) -> None:
        from liftshift.migrator.apply import undo_last

        record = undo_last(self.session.settings.project_dir)
        self.post_message(CoreResult("undone", record))
