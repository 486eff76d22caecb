"""The ``local`` training backend: the built package, run like Vertex runs it, on this machine.

Each job gets a folder ``<project>/.liftshift/jobs/<job_id>/`` with ``job.json`` (the record),
``output.log`` (stdout and stderr, merged as Cloud Logging shows them) and a working folder.
A small supervisor process (``_supervisor``) owns the trainer subprocess in its own session,
writes its exit as a Vertex job state and survives the command that started it, so
``liftshift jobs status/logs/cancel`` work from any later command and a running job can be
reattached. Cancel signals the whole process group, so child processes die with the trainer.

``job.json`` holds only what reattaching needs, never the environment: the supervisor inherits
the trainer's environment when it is spawned, so credentials in it stay in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.fileio import write_atomic
from liftshift.foundation.secrets import protect_args
from liftshift.foundation.settings import Settings
from liftshift.foundation.statedir import make_dirs, open_private
from liftshift.trainer.backends.base import LogBatch
from liftshift.trainer.jobs import (
    JobHandle,
    JobSpec,
    JobSpecError,
    JobState,
    JobStatus,
    StepProgress,
)

RECORD = "job.json"
LOG = "output.log"
CANCEL_MARKER = "cancel-requested"
PID_FILE = "supervisor.pid"


class JobNotFound(LookupError):
    pass


class EmptyChannel(JobSpecError):
    """A channel folder holds no object on the local target: training would read nothing."""


def _empty_channel_message(settings: Settings, uri: str, folder: Path) -> str:
    from liftshift.foundation.storage import open_store, parse_uri
    from liftshift.sync.nearest import nearest_prefix

    parsed = parse_uri(uri)
    try:
        hint = nearest_prefix(open_store(parsed, settings), parsed.prefix)
    except Exception:  # no bucket folder at all: the plain message says enough
        hint = ""
    line = (
        f"channel data {uri} is empty on the local target ({folder}); run `liftshift sync` or "
        "set the channel's sample_data in liftshift.toml"
    )
    return line + (f"; nearest existing prefix: {hint}" if hint else "")


@dataclass
class LocalJobRecord:
    """What ``job.json`` holds. The submitting command writes it once; then only the
    supervisor updates it (cancel is a separate marker file), so there is one writer."""

    job_id: str
    display_name: str
    state: str
    command: list[str]
    cwd: str
    model_dir: str
    base_output_dir: str
    created: float
    started: float = 0.0
    ended: float = 0.0
    exit_code: int | None = None
    error: str = ""
    supervisor_pid: int = 0
    trainer_pid: int = 0
    spec_summary: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> LocalJobRecord:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}  # records of older versions had more (env)
        return cls(**{key: value for key, value in data.items() if key in known})

    def save(self, path: Path) -> None:
        write_atomic(path, json.dumps(asdict(self), indent=2))


def jobs_dir(settings: Settings) -> Path:
    return settings.state_dir / "jobs"


def vertex_environment(
    *, job_id: str, model_dir: str, checkpoint_dir: str, tensorboard_dir: str
) -> dict[str, str]:
    """The variables Vertex sets for a single-replica chief, with local folders as values."""
    cluster = {"workerpool0": ["localhost:2222"]}
    task = {"type": "workerpool0", "index": 0}
    cluster_spec = {"cluster": cluster, "environment": "cloud", "task": task, "job": job_id}
    tf_config = {
        "cluster": {"chief": ["localhost:2222"]},
        "task": {"type": "chief", "index": 0},
        "environment": "cloud",
        "job": job_id,
    }
    return {
        "AIP_MODEL_DIR": model_dir,
        "AIP_CHECKPOINT_DIR": checkpoint_dir,
        "AIP_TENSORBOARD_LOG_DIR": tensorboard_dir,
        "CLOUD_ML_JOB_ID": job_id,
        "CLUSTER_SPEC": json.dumps(cluster_spec),
        "TF_CONFIG": json.dumps(tf_config),
    }


class LocalBackend:
    name = "local"

    def __init__(self, settings: Settings, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.extra_env = dict(extra_env or {})
        """Variables added to the trainer's environment (``liftshift verify``'s seeding shim);
        the Vertex contract variables still win."""

    # TrainingBackend

    def prepare(self, spec: JobSpec, package_path: Path, *, reporter: Reporter = ignore) -> Path:
        """Seed sample data and make the trainer's environment; returns its python."""
        from liftshift.trainer import localenv
        from liftshift.trainer.packaging import BuiltPackage, content_hash

        localenv.seed_sample_data(self.settings, spec.sample_data, reporter=reporter)
        for uri in spec.channel_uris:
            folder = localenv.local_path(self.settings, uri)
            if not folder.exists() or not any(p.is_file() for p in folder.rglob("*")):
                raise EmptyChannel(_empty_channel_message(self.settings, uri, folder))
        key = package_path.parent.name or content_hash(self.settings.project_dir)
        built = BuiltPackage(package_path, key, reused=True)
        return localenv.ensure_environment(
            built,
            self.settings,
            reporter=reporter,
            framework=(spec.framework, spec.framework_version),
        )

    def submit(self, spec: JobSpec, package_uri: str, *, reporter: Reporter = ignore) -> JobHandle:
        from liftshift.trainer.localenv import local_path, localize_arg

        package_path = local_path(self.settings, package_uri)
        python = self.prepare(spec, package_path, reporter=reporter)
        job_id = f"{spec.job_name}-{uuid.uuid4().hex[:6]}"
        job_dir = jobs_dir(self.settings) / job_id
        work = job_dir / "work"
        make_dirs(work)
        base = local_path(self.settings, spec.base_output_dir)
        dirs = {name: base / name for name in ("model", "checkpoints", "logs")}
        for folder in dirs.values():
            make_dirs(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SM_")}
        env |= self.extra_env
        env |= vertex_environment(
            job_id=job_id,
            model_dir=str(dirs["model"]),
            checkpoint_dir=str(dirs["checkpoints"]),
            tensorboard_dir=str(dirs["logs"]),
        )
        # the job's own /tmp, as in its container: a trainer's temporary files stay in the job
        make_dirs(job_dir / "tmp")
        env |= {
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": str(job_dir / "tmp"),
        }
        # secrets stay out of job.json: the supervisor's environment carries them
        args, secret_env = protect_args(localize_arg(self.settings, arg) for arg in spec.args)
        env |= secret_env
        record = LocalJobRecord(
            job_id=job_id,
            display_name=spec.display_name,
            state=JobState.QUEUED.value,
            command=[str(python), "-m", spec.python_module, *args],
            cwd=str(work),
            model_dir=str(dirs["model"]),
            base_output_dir=spec.base_output_dir,
            created=time.time(),
            spec_summary={"machines": spec.scale_summary(), "module": spec.python_module},
        )
        record.save(job_dir / RECORD)
        if len(spec.pools) > 1 or spec.pools[0].replica_count > 1:
            launch = f" for distribution {spec.distribution}" if spec.distribution else ""
            reporter(
                StepProgress(
                    "submit",
                    "local target runs the chief only (one process, no peers); "
                    f"on Vertex{launch}: {spec.scale_summary()}",
                )
            )
        with open_private(job_dir / "supervisor.log", "wb") as errors:
            supervisor = subprocess.Popen(
                [sys.executable, "-m", "liftshift.trainer.backends._supervisor", str(job_dir)],
                env=env,  # the supervisor passes its own environment on to the trainer
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                start_new_session=True,
                close_fds=True,
            )
        # job.json has one writer (the supervisor); its pid goes in a file of its own
        write_atomic(job_dir / PID_FILE, str(supervisor.pid))
        # reap it when it ends, so a long-lived caller (the app) keeps no zombie
        threading.Thread(target=supervisor.wait, daemon=True, name=f"reap-{job_id}").start()
        reporter(StepProgress("submit", f"started local job {job_id} (pid {supervisor.pid})"))
        return JobHandle(job_id, self.name, spec.display_name, str(job_dir), "")

    def _record(self, job_id: str) -> tuple[Path, LocalJobRecord]:
        job_dir = jobs_dir(self.settings) / job_id
        path = job_dir / RECORD
        if not path.is_file():
            raise JobNotFound(f"no local job {job_id!r} in {jobs_dir(self.settings)}")
        for _ in range(5):  # the supervisor replaces it atomically; a read may race a rename
            try:
                return job_dir, LocalJobRecord.load(path)
            except (json.JSONDecodeError, FileNotFoundError):
                time.sleep(0.02)
        return job_dir, LocalJobRecord.load(path)

    def job_record(self, job_id: str) -> LocalJobRecord:
        """The job's record (exit code, model folder, times), read safely against the
        supervisor's atomic replace."""
        return self._record(job_id)[1]

    def _supervisor_pid(self, job_dir: Path, record: LocalJobRecord) -> int:
        if record.supervisor_pid:
            return record.supervisor_pid
        with contextlib.suppress(OSError, ValueError):
            return int((job_dir / PID_FILE).read_text(encoding="utf-8"))
        return 0

    def status(self, job_id: str) -> JobStatus:
        job_dir, record = self._record(job_id)
        state = JobState(record.state)
        error = record.error
        pid = self._supervisor_pid(job_dir, record)
        if not state.terminal and pid and not _alive(pid):
            _, record = self._record(job_id)  # it may have written its outcome, then exited
            state, error = JobState(record.state), record.error
            if not state.terminal:  # died without an outcome (reboot, kill -9, bad install)
                log = (job_dir / "supervisor.log").read_text(errors="replace").strip()
                error = "the local job's supervisor process disappeared"
                error += f":\n{log[-2000:]}" if log else ""
                state = JobState.FAILED
        elif not state.terminal and (job_dir / CANCEL_MARKER).exists():
            state = JobState.CANCELLING
        return JobStatus(job_id, state, error, record.model_dir, record.started, record.ended)

    def logs(self, job_id: str, cursor: str = "") -> LogBatch:
        job_dir, _ = self._record(job_id)
        offset = int(cursor or 0)
        path = job_dir / LOG
        if not path.is_file():
            return LogBatch([], str(offset))
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        end = data.rfind(b"\n")
        if end < 0:
            return LogBatch([], str(offset))
        now = time.time()
        text = data[: end + 1].decode("utf-8", errors="replace")
        lines = [(now, line) for line in text.splitlines()]
        return LogBatch(lines, str(offset + end + 1))

    def cancel(self, job_id: str) -> JobStatus:
        job_dir, record = self._record(job_id)
        if JobState(record.state).terminal:
            return self.status(job_id)
        write_atomic(job_dir / CANCEL_MARKER, str(time.time()))
        pid = self._supervisor_pid(job_dir, record)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
        return self.status(job_id)

    def list_jobs(self) -> list[JobStatus]:
        root = jobs_dir(self.settings)
        if not root.is_dir():
            return []
        found = [self.status(p.parent.name) for p in root.glob(f"*/{RECORD}")]
        return sorted(found, key=lambda s: s.started or 0.0)

    def stray_outputs(self, job_id: str) -> list[str]:
        """Files the trainer wrote in its working folder (its relative paths land there), as
        ``work/...`` paths: where a model went when AIP_MODEL_DIR stayed empty."""
        work = jobs_dir(self.settings) / job_id / "work"
        if not work.is_dir():
            return []
        found = (p for p in sorted(work.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
        return [p.relative_to(work.parent).as_posix() for p in found]

    def console_url(self, job_id: str) -> str:
        return ""

    def log_path(self, job_id: str) -> Path:
        return jobs_dir(self.settings) / job_id / LOG


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (finished, not yet reaped by its parent) counts as gone
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True
