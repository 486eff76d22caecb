"""Settings that choose how liftshift talks to Vertex AI and how often it checks a job:
plaintext only for loopback gRPC endpoints, the poll interval and retry wait from flags and
variables (bad values are one line, exit 2), and the "last checked" text of the live views."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli, main
from liftshift.foundation.clients import plaintext_grpc_endpoint
from liftshift.foundation.settings import Settings, SettingsError, parse_seconds
from liftshift.trainer.backends.local import LocalBackend
from liftshift.trainer.backends.vertex import VertexBackend
from liftshift.trainer.monitor import LOCAL_BACKOFF, VERTEX_BACKOFF, backoff_for, checked_text


@pytest.mark.parametrize(
    ("endpoint", "plaintext"),
    [
        ("127.0.0.1:8443", True),
        ("localhost:50051", True),
        ("[::1]:50051", True),
        ("us-central1-aiplatform.googleapis.com", False),
        ("us-central1-aiplatform.googleapis.com:443", False),
        ("http://127.0.0.1:8080", False),  # REST, not gRPC
        (None, False),
    ],
)
def test_only_loopback_grpc_endpoints_are_plaintext(endpoint: str | None, plaintext: bool) -> None:
    assert plaintext_grpc_endpoint(endpoint) is plaintext


def test_default_transport_is_grpc_and_rest_is_opt_in() -> None:
    assert Settings.from_env(env={}).gcp.vertex_transport == "grpc"
    rest = Settings.from_env(env={"LIFTSHIFT_VERTEX_TRANSPORT": "rest"})
    assert rest.gcp.vertex_transport == "rest"


def test_poll_interval_caps_the_backoff(tmp_path: Path) -> None:
    settings = Settings.from_env(tmp_path, env={"LIFTSHIFT_POLL_INTERVAL": "5"})
    assert settings.poll_interval == 5.0
    vertex = backoff_for(VertexBackend(replace(settings, target="gcp")))
    assert (vertex.initial, vertex.maximum) == (VERTEX_BACKOFF.initial, 5.0)
    fast = backoff_for(VertexBackend(replace(settings, poll_interval=0.5)))
    assert (fast.initial, fast.maximum) == (0.5, 0.5)
    assert backoff_for(LocalBackend(Settings(project_dir=tmp_path))) == LOCAL_BACKOFF
    assert backoff_for(VertexBackend(Settings(project_dir=tmp_path))) == VERTEX_BACKOFF


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan"])
def test_bad_seconds_are_refused_with_the_name(value: str) -> None:
    with pytest.raises(SettingsError, match="LIFTSHIFT_POLL_INTERVAL"):
        parse_seconds(value, "LIFTSHIFT_POLL_INTERVAL")


def test_bad_environment_value_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIFTSHIFT_API_RETRY_WAIT", "later")
    with pytest.raises(SystemExit) as exited:
        main(["jobs", "list", "--project", str(tmp_path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "liftshift: LIFTSHIFT_API_RETRY_WAIT: 'later' is not a number of seconds; "
        "give e.g. 10 or 0.5"
    )


def test_bad_poll_interval_flag_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(tmp_path), "--poll-interval", "0"])
    assert result.exit_code == 2
    assert "--poll-interval" in result.output and "Traceback" not in result.output


def test_checked_text() -> None:
    assert checked_text(0.0) == "not checked yet"
    assert checked_text(100.0, now=103.7) == "last checked 3 s ago"
    assert checked_text(100.0, now=400.0) == "last checked 5 min ago"


def test_run_status_line_says_when_the_job_was_last_checked() -> None:
    from rich.console import Console

    from liftshift.commands.run import _Renderer
    from liftshift.run.pipeline import StepStarted
    from liftshift.trainer.jobs import JobChecked, JobState

    renderer = _Renderer(Console(file=io.StringIO()))
    assert renderer.status_text() == ""
    renderer(StepStarted("sync"))
    assert renderer.status_text() == "sync…"
    renderer(StepStarted("train"))
    renderer(JobChecked("job-1", JobState.PENDING, time.time()))
    assert renderer.status_text() == "train: PENDING  ·  last checked 0 s ago"
