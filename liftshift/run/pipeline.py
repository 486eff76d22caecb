"""The whole migration as resumable steps: plan → migrate → sync → train → register.

``liftshift run`` and ``liftshift demo`` drive this; the app could too. Each step is idempotent
on its own terms, so a rerun after a failure or Ctrl-C continues where it stopped without a
fragile "step done" flag: an existing plan is kept, applied changes leave nothing to migrate,
the sync journal skips verified objects, and the job and model version this run created are
recorded in ``.liftshift/run.json`` so a running job is reattached and a succeeded one is not
rerun (unless the trainer package changed since). No UI here: progress goes to a reporter.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from liftshift.foundation.events import Reporter, human_bytes, ignore
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.plan import Plan, load_plan, plan_path, save_plan, settings_for_plan
from liftshift.foundation.settings import Settings, Target

STEPS = ("plan", "migrate", "sync", "iam", "train", "verify", "register", "deploy")
Outcome = Literal["done", "nothing to do", "failed", "cancelled", "skipped"]
ACTIVE_STATES = {"JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING"}


@dataclass(frozen=True)
class StepStarted:
    step: str


@dataclass(frozen=True)
class StepFinished:
    step: str
    outcome: Outcome
    summary: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunOptions:
    target: Target | None = None
    """Overrides the plan's target for this run."""
    out: Path | None = None
    """Write the migrated project to this folder and run the later steps there."""
    force: bool = False
    """Apply even over uncommitted changes in a git work tree."""
    register: bool = True
    deploy: bool = False
    """Deploy the new version and predict the project's ``sample_instances.json``."""
    verify: bool | None = None
    """Run the original and the migrated trainer side by side after training (local target).
    None: when the plan has sample data for a channel; False: ``--no-verify``."""


@dataclass
class RunState:
    """What a run created, kept in ``.liftshift/run.json`` so a rerun can pick it up."""

    target: str = ""
    job_id: str = ""
    package_hash: str = ""
    job_state: str = ""
    model: str = ""
    version: str = ""
    version_job_id: str = ""
    artifact_uri: str = ""
    verify_verdict: str = ""
    verify_package_hash: str = ""

    @staticmethod
    def path(settings: Settings) -> Path:
        return settings.state_dir / "run.json"

    @classmethod
    def load(cls, settings: Settings) -> RunState:
        try:
            data = json.loads(cls.path(settings).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return cls()
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def save(self, settings: Settings) -> None:
        write_atomic(self.path(settings), json.dumps(dataclasses.asdict(self), indent=2) + "\n")


def record_launched_job(settings: Settings, plan: Plan, job_id: str) -> None:
    """Remember a job started outside ``liftshift run`` (in the app), so the next run
    reattaches to it and registers its model instead of training again."""
    from liftshift.trainer.packaging import content_hash

    state = RunState.load(settings)
    state.job_id = job_id
    state.package_hash = content_hash(settings.project_dir, plan.code.package)
    state.target, state.job_state = settings.target, "JOB_STATE_QUEUED"
    state.save(settings)


def record_registered_version(settings: Settings, job_id: str, version: Any) -> None:
    """Remember that ``job_id``'s model was registered outside ``liftshift run`` (the app),
    so the next run does not register it a second time."""
    state = RunState.load(settings)
    if state.job_id != job_id:
        return
    state.model, state.version = version.model, str(version.version_id)
    state.version_job_id, state.artifact_uri = job_id, version.artifact_uri
    state.save(settings)


@dataclass
class RunSummary:
    project_dir: Path
    target: str
    steps: list[StepFinished] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    """``file:line: rule: message`` lines the user must still look at (TODOs)."""
    state: RunState = field(default_factory=RunState)
    verify_report: dict[str, Any] | None = None
    """``liftshift verify --json``'s document when this run verified (docs/verify-json.md)."""

    @property
    def ok(self) -> bool:
        return all(step.outcome not in ("failed", "cancelled") for step in self.steps)

    @property
    def failed_step(self) -> StepFinished | None:
        return next((s for s in self.steps if s.outcome in ("failed", "cancelled")), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": str(self.project_dir),
            "target": self.target,
            "ok": self.ok,
            "steps": [dataclasses.asdict(step) for step in self.steps],
            "attention": self.attention,
            "job": {"id": self.state.job_id, "state": self.state.job_state},
            "verify": {
                "verdict": self.state.verify_verdict,
                "report": self.verify_report,
            },
            "model": {
                "name": self.state.model,
                "version": self.state.version,
                "artifact_uri": self.state.artifact_uri,
            },
        }


class StepError(RuntimeError):
    """A step cannot go on; the message is the one line the user sees."""


class _Cancelled(Exception):
    pass


class _VerifyFailed(Exception):
    """Verify found a difference; ``details`` is the parity table for the summary."""

    def __init__(self, message: str, details: tuple[str, ...]) -> None:
        super().__init__(message)
        self.details = details


class Pipeline:
    """One run over one project. Call :meth:`run`; read the returned :class:`RunSummary`."""

    def __init__(
        self,
        project_dir: Path,
        settings: Settings | None = None,
        options: RunOptions | None = None,
        *,
        reporter: Reporter = ignore,
        cancel: threading.Event | None = None,
    ) -> None:
        self.options = options or RunOptions()
        self.project_dir = Path(project_dir).resolve()
        self.settings = settings or Settings.from_env(self.project_dir)
        self.reporter = reporter
        self.cancel = cancel or threading.Event()
        self.plan: Plan | None = None
        self.summary = RunSummary(self.project_dir, self.options.target or "")
        self.original_dir: Path | None = None
        """The untouched source when migrating into ``--out`` (the original for verify)."""

    def run(self) -> RunSummary:
        for step in STEPS:
            if step == "register" and not self.options.register:
                self._finish(StepFinished(step, "skipped", "registration not requested"))
                continue
            if step == "deploy" and not (self.options.deploy and self.options.register):
                continue
            if step == "iam" and self.settings.target != "gcp":
                continue  # the local target runs as you: there is no IAM to set up
            if self.cancel.is_set():
                self._finish(StepFinished(step, "cancelled", "stopped before this step"))
                break
            self.reporter(StepStarted(step))
            try:
                finished = getattr(self, f"_step_{step}")()
            except _Cancelled as exc:
                finished = StepFinished(step, "cancelled", str(exc))
            except _VerifyFailed as exc:
                finished = StepFinished(step, "failed", str(exc), exc.details)
            except Exception as exc:
                finished = StepFinished(step, "failed", _one_line(exc, step))
            self._finish(finished)
            if finished.outcome in ("failed", "cancelled"):
                break
        return self.summary

    def _finish(self, finished: StepFinished) -> None:
        self.summary.steps.append(finished)
        self.reporter(finished)

    # the steps

    def _step_plan(self) -> StepFinished:
        from liftshift.migrator.planner import plan_from_scan
        from liftshift.scan import scan_project

        if plan_path(self.project_dir).exists():
            self._load_plan()
            return StepFinished("plan", "nothing to do", f"kept {plan_path(self.project_dir)}")
        scan = scan_project(self.project_dir)
        if not scan.is_sagemaker_project:
            raise StepError(
                f"{self.project_dir}: no SageMaker launcher or training script found "
                "(nothing reads SM_* variables or builds an estimator); if it is a trainer all "
                f"the same, run `liftshift plan {self.project_dir} --entry-point FILE` first"
            )
        if self.options.out is not None:
            # the source stays untouched: migrate writes the plan into the migrated copy
            return StepFinished("plan", "done", "planned; liftshift.toml goes into the copy")
        save_plan(plan_from_scan(scan), self.project_dir)
        self._load_plan()
        assert self.plan is not None
        channels = ", ".join(c.name for c in self.plan.data.channels) or "none"
        return StepFinished(
            "plan",
            "done",
            f"wrote liftshift.toml: {self.plan.code.entry_point}, channels {channels}",
        )

    def _step_migrate(self) -> StepFinished:
        from liftshift.migrator.apply import (
            ApplyError,
            DirtyTreeError,
            apply_changeset,
            write_copy,
        )
        from liftshift.migrator.migrate import migrate_project

        result = migrate_project(self.project_dir)
        self.summary.attention = [str(entry) for entry in result.entries]
        if result.errors:
            raise StepError(
                f"{len(result.errors)} file(s) could not be migrated: "
                + "; ".join(str(e) for e in result.errors[:3])
            )
        if self.options.out is not None:
            out = self.options.out.resolve()
            if out.exists() and any(out.iterdir()):
                raise StepError(
                    f"{out}: --out folder is not empty (to continue there: liftshift run {out})"
                )
            written = write_copy(result.changeset, self.project_dir, out)
            self.original_dir = self.project_dir
            self._move_to(out)
            return StepFinished(
                "migrate", "done", f"wrote a migrated copy to {out} ({len(written)} files)"
            )
        if not result.changeset:
            attention = f"{result.need_attention} item(s) need attention"
            return StepFinished("migrate", "nothing to do", f"already migrated; {attention}")
        try:
            record = apply_changeset(result.changeset, self.project_dir, force=self.options.force)
        except DirtyTreeError as exc:
            raise StepError(f"{exc} (commit first, or pass --force)") from exc
        except ApplyError as exc:
            raise StepError(str(exc)) from exc
        self._load_plan()  # the codemods record what they changed (module, arguments)
        return StepFinished(
            "migrate",
            "done",
            f"{result.summary()}; backup in {record.backup_dir.relative_to(self.project_dir)}",
        )

    def _step_sync(self) -> StepFinished:
        from liftshift.sync.channels import sync_channels

        plan = self._require_plan()
        if not any(c.source and c.destination for c in plan.data.channels):
            return StepFinished("sync", "nothing to do", "the plan has no data channels")
        results = sync_channels(plan, self.settings, self.reporter, self.cancel)
        copied = sum(r.verified for r in results)
        identical = sum(r.skipped for r in results)
        failed_count = sum(r.failed_count for r in results)
        failed = [f"{r.source}/{f.key}: {f.reason}" for r in results for f in r.failed[:3]]
        size = sum(r.bytes_copied for r in results)
        if any(r.cancelled for r in results) or self.cancel.is_set():
            raise _Cancelled(f"sync stopped after {copied} verified objects; rerun to resume")
        if failed_count:
            raise StepError(f"{failed_count} object(s) failed: " + "; ".join(failed[:3]))
        if not copied:
            return StepFinished("sync", "nothing to do", f"all {identical} objects already there")
        copied_text = f"{copied} objects copied and verified ({human_bytes(size)})"
        return StepFinished("sync", "done", f"{copied_text}, {identical} already there")

    def _step_iam(self) -> StepFinished:
        """The job's service account and its bindings (after sync: the buckets exist)."""
        from liftshift.iam.gcp import apply_iam
        from liftshift.iam.planning import propose_iam, save_iam
        from liftshift.scan import scan_project

        plan = self._require_plan()
        mapped = ""
        if not plan.iam.grants:
            proposal = propose_iam(plan, self.settings, scan=scan_project(self.project_dir))
            save_iam(proposal.plan, self.project_dir)
            self._load_plan()
            plan = self._require_plan()
            mapped = "mapped " + (
                f"role {proposal.role.name}" if proposal.role else "the plan alone"
            )
        project = plan.target.gcp_project or self.settings.gcp.project or ""
        if not project:
            raise StepError(
                "no Google Cloud project: set target.gcp_project or GOOGLE_CLOUD_PROJECT"
            )
        result = apply_iam(plan.iam, project, self.settings)
        account = plan.iam.service_account
        details = tuple(f"not granted: {line}" for line in result.skipped)
        parts = [mapped] if mapped else []
        if result.created_account:
            parts.append(f"created {account}")
        parts.append(f"{len(result.added)} binding(s) added, {len(result.kept)} already there")
        outcome: Outcome = "done" if result.changed or mapped else "nothing to do"
        return StepFinished("iam", outcome, "; ".join(parts), details)

    def _step_train(self) -> StepFinished:
        from liftshift.trainer import monitor, service
        from liftshift.trainer.backends import get_backend
        from liftshift.trainer.jobs import logs_command
        from liftshift.trainer.packaging import content_hash

        plan = self._require_plan()
        state = self.summary.state = RunState.load(self.settings)
        backend = get_backend(self.settings)
        package_hash = content_hash(self.project_dir, plan.code.package)
        same_job = (
            state.job_id
            and state.target == self.settings.target
            and state.package_hash == package_hash
        )
        status = backend.status(state.job_id) if same_job else None
        if status is not None and status.state == "JOB_STATE_SUCCEEDED":
            self._check_model_output(plan, status, backend)
            return StepFinished("train", "nothing to do", f"job {state.job_id} already succeeded")
        if status is not None and status.state in ACTIVE_STATES:
            verb = "reattached to"
        else:
            started = service.start_training(plan, self.settings, reporter=self.reporter)
            state.job_id, state.package_hash = started.handle.job_id, package_hash
            state.target, state.job_state = self.settings.target, "JOB_STATE_QUEUED"
            state.save(self.settings)
            verb = "ran"
        status = monitor.follow(backend, state.job_id, self.reporter, stop=self.cancel)
        state.job_state = str(status.state)
        state.save(self.settings)
        if status.state in ACTIVE_STATES:
            raise _Cancelled(
                f"job {state.job_id} is still running; rerun to reattach, or "
                f"`liftshift jobs cancel {state.job_id}`"
            )
        if status.state != "JOB_STATE_SUCCEEDED":
            raise StepError(
                f"job {state.job_id} ended {status.state.short}: "
                f"{status.headline or 'no detail'} "
                f"(full log: {logs_command(state.job_id, self.settings)})"
            )
        self._check_model_output(plan, status, backend)
        return StepFinished("train", "done", f"{verb} job {state.job_id}: SUCCEEDED")

    def _check_model_output(self, plan: Plan, status: Any, backend: Any) -> None:
        """A succeeded job with an empty model folder fails the step (no silent success)."""
        from liftshift.trainer import service
        from liftshift.trainer.jobs import build_job_spec

        spec = build_job_spec(plan, self.settings)
        job_spec = replace(spec, base_output_dir=_base_of(status.model_dir) or spec.base_output_dir)
        problem = service.model_output_problem(job_spec, status, self.settings, backend)
        if problem:
            raise StepError(problem)

    def _step_verify(self) -> StepFinished:
        from liftshift.trainer.packaging import content_hash
        from liftshift.verify import VerifyError, VerifyOptions, verify_project

        plan = self._require_plan()
        state = self.summary.state
        if self.settings.target != "local":
            return StepFinished("verify", "skipped", "verify runs on the local target")
        if self.options.verify is False:
            return StepFinished("verify", "skipped", "--no-verify")
        if self.options.verify is None and not any(c.sample_data for c in plan.data.channels):
            return StepFinished(
                "verify", "skipped", "no sample data in the plan (liftshift verify runs it anyway)"
            )
        package_hash = content_hash(self.project_dir, plan.code.package)
        if state.verify_verdict == "match" and state.verify_package_hash == package_hash:
            return StepFinished("verify", "nothing to do", "this trainer package already matched")
        options = VerifyOptions(original=self.original_dir)
        try:
            report = verify_project(
                self.project_dir, self.settings, options, reporter=self.reporter, cancel=self.cancel
            )
        except VerifyError as exc:
            return StepFinished("verify", "skipped", f"not verified: {exc}")
        self.summary.verify_report = report.to_dict()
        state.verify_verdict, state.verify_package_hash = report.verdict, package_hash
        state.save(self.settings)
        details = tuple(report.text_lines())
        if report.verdict == "match":
            compared = ", ".join(report.compared())
            summary = f"the original and the migrated trainer match ({compared})"
            return StepFinished("verify", "done", summary, details)
        if report.verdict == "not verified":
            return StepFinished("verify", "skipped", f"not verified: {report.reason}", details)
        reasons = "; ".join(report.diagnosis[:2]) or report.reason
        raise _VerifyFailed(f"the migrated trainer differs from the original: {reasons}", details)

    def _step_register(self) -> StepFinished:
        from liftshift.trainer import service
        from liftshift.trainer.backends import get_backend
        from liftshift.trainer.jobs import build_job_spec

        state = self.summary.state
        if state.version and state.version_job_id == state.job_id:
            return StepFinished(
                "register", "nothing to do", f"model {state.model} version {state.version} exists"
            )
        status = get_backend(self.settings).status(state.job_id)
        spec = build_job_spec(self._require_plan(), self.settings)
        version = service.register_model(spec, status, self.settings, reporter=self.reporter)
        state.model, state.version = version.model, str(version.version_id)
        state.version_job_id, state.artifact_uri = state.job_id, version.artifact_uri
        state.save(self.settings)
        aliases = ", ".join(version.aliases) or "none"
        return StepFinished(
            "register", "done", f"model {state.model} version {state.version} (aliases: {aliases})"
        )

    def _step_deploy(self) -> StepFinished:
        from liftshift.trainer.predict import INSTANCES_FILE, predict, project_instances
        from liftshift.trainer.registry import get_registry

        instances = project_instances(self.project_dir)
        if instances is None:
            raise StepError(
                f"--deploy needs instances to send: {self.project_dir / INSTANCES_FILE}"
            )
        state = self.summary.state
        versions = get_registry(self.settings).list_versions(state.model)
        version = next(v for v in versions if str(v.version_id) == state.version)
        prediction = predict(version, instances, self.settings, reporter=self.reporter)
        shown = json.dumps(prediction.predictions[:5])
        return StepFinished(
            "deploy",
            "done",
            f"version {state.version} predicted {len(instances)}: {shown}",
            (prediction.note,) if prediction.note else (),
        )

    # helpers

    def _load_plan(self) -> None:
        self.plan = load_plan(self.project_dir)
        self.settings = settings_for_plan(self.plan, self.settings, target=self.options.target)
        self.summary.target = self.settings.target

    def _require_plan(self) -> Plan:
        if self.plan is None:
            self._load_plan()
        assert self.plan is not None
        return self.plan

    def _move_to(self, project_dir: Path) -> None:
        """Continue the run in a migrated copy (``--out``): its own plan, state and storage."""
        self.project_dir = project_dir
        self.summary.project_dir = project_dir
        self.settings = replace(self.settings, project_dir=project_dir)
        self._load_plan()


def _base_of(model_dir: str) -> str:
    """The job's base output folder from its model folder (``<base>/model``)."""
    trimmed = model_dir.rstrip("/")
    return trimmed.rsplit("/", 1)[0] if trimmed.endswith("/model") else ""


_STEP_SERVICES = {"sync": "Cloud Storage", "iam": "Google Cloud IAM"}
"""Which Google service a step's API errors come from (Vertex AI for the others)."""


def _one_line(exc: BaseException, step: str = "") -> str:
    if type(exc).__module__.startswith("google.api_core"):  # the same line on gRPC and REST
        from liftshift.foundation.clients import api_error_message

        return api_error_message(exc, _STEP_SERVICES.get(step, "Vertex AI"))
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
