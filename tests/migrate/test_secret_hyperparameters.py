"""Issue 13 item 2: a secret-looking hyperparameter is never copied into the plan or generated
code, and never shown by scan, plan, migrate or --dry-run (text or --json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation import secrets

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SENTINEL = "SENTINEL-hp-9d27e1"


def with_secret_hyperparameter(tmp_path: Path) -> Path:
    project = tmp_path / "titanic"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project)
    launch = project / "launch.py"
    text = launch.read_text()
    launch.write_text(
        text.replace(
            '"target": "Survived",',
            f'"target": "Survived",\n        "wandb_api_key": "{SENTINEL}",',
        )
    )
    return project


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_secret_hyperparameter_reaches_no_file_and_no_output(tmp_path: Path) -> None:
    project = with_secret_hyperparameter(tmp_path)
    outputs = []

    scan = run("scan", str(project))
    scan_json = run("scan", "--json", str(project))
    outputs += [scan.output, scan_json.output]
    assert "secret-hyperparameter" in scan.output
    launcher = json.loads(scan_json.stdout)["launchers"][0]
    assert launcher["hyperparameters"]["wandb_api_key"] == secrets.REDACTED

    plan = run("plan", str(project))
    outputs.append(plan.output)
    assert plan.exit_code == 0, plan.output
    toml = (project / "liftshift.toml").read_text()
    assert 'wandb_api_key = {env = "WANDB_API_KEY"}' in toml

    diff = run("migrate", str(project))
    as_json = run("migrate", "--json", str(project))
    outputs += [diff.output, as_json.output]
    assert 'os.environ["WANDB_API_KEY"]' in diff.output
    assert "LS006: hyperparameter 'wandb_api_key' is a secret" in diff.output
    applied = run("migrate", "--apply", "--force", str(project))
    outputs.append(applied.output)
    assert applied.exit_code == 0, applied.output

    env = {"WANDB_API_KEY": SENTINEL, "GOOGLE_CLOUD_PROJECT": "p"}
    dry = run("train", str(project), "--target", "gcp", "--dry-run", "--json", env=env)
    dry_text = run("train", str(project), "--target", "gcp", "--dry-run", env=env)
    outputs += [dry.output, dry_text.output]
    assert dry.exit_code == 0, dry.output
    assert "${WANDB_API_KEY}" in dry.stdout
    hidden = run(
        "train", str(project), "--target", "gcp", "--dry-run", "--json",
        "-H", f"hub_token={SENTINEL}", env=env,
    )  # fmt: skip
    outputs.append(hidden.output)
    assert secrets.REDACTED in hidden.stdout

    for text in outputs:
        assert SENTINEL not in text
    for path in project.rglob("*"):
        if path.is_file():
            assert SENTINEL.encode() not in path.read_bytes() or path.name == "launch.py", path


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("wandb-api-key", True),
        ("hub_token", True),
        ("db_password", True),
        ("clientSecret", True),
        ("max_tokens", False),
        ("pad_token_id", False),
        ("sort_key", False),
        ("learning_rate", False),
        ("token_file", False),
        ("secret_name", False),
        ("SSH_AUTH_SOCK", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert secrets.is_secret_name(name) is secret


def test_paths_in_the_environment_are_not_taken_for_secrets() -> None:
    env = {"PWD": "/home/me/project", "GOOGLE_APPLICATION_CREDENTIALS": "/home/me/key.json"}
    assert secrets.secret_values(env=env | {"MY_API_KEY": "abcd1234"}) == {"abcd1234"}


def test_log_lines_are_redacted_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from liftshift.trainer import monitor
    from liftshift.trainer.backends.base import LogBatch

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SENTINEL)

    class Backend:
        def logs(self, job_id: str, cursor: str) -> LogBatch:
            return LogBatch([(0.0, f"Namespace(key='{SENTINEL}')")], "1")

    batch = monitor.read_logs(Backend(), "job")  # type: ignore[arg-type]
    assert batch.lines == [(0.0, f"Namespace(key='{secrets.REDACTED}')")]
