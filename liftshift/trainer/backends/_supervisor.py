"""Runs one local training job and records its outcome: ``python -m ... <job_dir>``.

Started detached (own session) by :class:`~liftshift.trainer.backends.local.LocalBackend`, so
the job outlives the command that launched it. It is the only writer of ``job.json`` after
submission. The trainer runs in the same process group; a cancel sends SIGTERM to the group,
the supervisor waits for the trainer to go and writes ``JOB_STATE_CANCELLED``.
Exit code 0 → SUCCEEDED; a cancel → CANCELLED; anything else → FAILED with the traceback's
last lines as the error.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

from liftshift.foundation.secrets import (
    REDACTED,
    SecretNotSet,
    expand_placeholders,
    redact_text,
    secret_values,
)
from liftshift.foundation.statedir import open_private
from liftshift.trainer.backends.local import CANCEL_MARKER, LOG, RECORD, LocalJobRecord
from liftshift.trainer.jobs import JobState

_GRACE_SECONDS = 10.0


def main(job_dir: Path) -> int:
    import os

    record_path = job_dir / RECORD
    record = LocalJobRecord.load(record_path)
    cancelled = False

    def on_term(_signum: int, _frame: object) -> None:
        nonlocal cancelled
        cancelled = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    record.supervisor_pid = os.getpid()
    if (job_dir / CANCEL_MARKER).exists():
        return _finish(record, record_path, JobState.CANCELLED, None, "cancelled before start")
    secrets = [value.encode() for value in sorted(secret_values(), key=len, reverse=True)]
    with open_private(job_dir / LOG, "ab") as log:
        try:
            child = subprocess.Popen(
                expand_placeholders(record.command),
                cwd=record.cwd,  # the environment is this process's own, given at spawn
                stdin=subprocess.DEVNULL,
                umask=0o077,  # what the trainer writes under .liftshift/ stays private too
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
        except (OSError, SecretNotSet) as exc:
            return _finish(record, record_path, JobState.FAILED, None, f"cannot start: {exc}")
        copier = threading.Thread(
            target=_copy_redacted, args=(child.stdout, log, secrets), daemon=True
        )
        copier.start()
        record.trainer_pid = child.pid
        record.state = JobState.RUNNING.value
        record.started = time.time()
        record.save(record_path)
        deadline = 0.0
        while True:
            try:
                code = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if cancelled or (job_dir / CANCEL_MARKER).exists():
                cancelled = True
                if not deadline:
                    child.terminate()
                    deadline = time.monotonic() + _GRACE_SECONDS
                elif time.monotonic() > deadline:
                    child.kill()
        # a process the trainer left behind may hold its output open: do not wait for it
        copier.join(timeout=_GRACE_SECONDS)
    if cancelled:
        return _finish(record, record_path, JobState.CANCELLED, code, "cancelled by the user")
    if code == 0:
        return _finish(record, record_path, JobState.SUCCEEDED, code, "")
    return _finish(record, record_path, JobState.FAILED, code, _error_from_log(job_dir / LOG, code))


def _copy_redacted(source: BinaryIO, log: BinaryIO, secrets: list[bytes]) -> None:
    """Copy the trainer's output to the log line by line, secrets of the environment replaced
    (a trainer that prints its arguments must not write a key into ``.liftshift/``)."""
    for raw in iter(source.readline, b""):
        line = raw
        for value in secrets:
            line = line.replace(value, REDACTED.encode())
        try:
            log.write(line)
            log.flush()
        except ValueError:  # the job was recorded as ended and the log closed: drop the rest
            break
    source.close()


def _finish(
    record: LocalJobRecord, path: Path, state: JobState, code: int | None, error: str
) -> int:
    record.state = state.value
    record.exit_code = code
    record.error = redact_text(error, secret_values())
    record.ended = time.time()
    record.save(path)
    return 0


def _error_from_log(log: Path, code: int) -> str:
    """The trainer's traceback (its last one), or the exit code when it printed none (a
    missing module's package is named by ``JobStatus.headline``, where the error is shown)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-200:]
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if starts:
        return "\n".join(lines[starts[-1] :][-30:])
    reason = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
    tail = "\n".join(lines[-5:])
    return f"the trainer {reason}" + (f":\n{tail}" if tail else "")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
