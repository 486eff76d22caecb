"""Issue 13 item 3: sentinel values in every credential variable and in a secret hyperparameter;
every command (both targets, --json too, the app) runs; then no output, no file under the project
(``.liftshift/`` included) and no file inside the built sdist holds a sentinel."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIASENTINELKEYID0001",
    "AWS_SECRET_ACCESS_KEY": "SENTINEL-aws-secret-71f3",
    "AWS_SESSION_TOKEN": "SENTINEL-aws-session-0b9c",
    "GOOGLE_API_KEY": "SENTINEL-google-api-5d2e",
    "OPENAI_API_KEY": "SENTINEL-openai-api-8a41",
    "HF_TOKEN": "SENTINEL-hf-token-2e77",
    "WANDB_API_KEY": "SENTINEL-wandb-env-c3d9",  # the secret hyperparameter's variable
}
LAUNCHER_LITERAL = "SENTINEL-launcher-literal-6b01"
"""The secret as the user's SageMaker launcher wrote it (that file is theirs; nothing else may
hold it)."""
SENTINELS = [*CREDENTIALS.values(), LAUNCHER_LITERAL]


def prepare(tmp_path: Path) -> Path:
    project = tmp_path / "titanic-sklearn"
    shutil.copytree(EXAMPLES / "titanic-sklearn", project, ignore=shutil.ignore_patterns(".*"))
    launch = project / "launch.py"
    launch.write_text(
        launch.read_text().replace(
            '"target": "Survived",',
            f'"target": "Survived",\n        "wandb_api_key": "{LAUNCHER_LITERAL}",',
        )
    )
    train = project / "train.py"
    train.write_text(
        train.read_text()
        .replace(
            '    parser.add_argument("--target", type=str, default="Survived")\n',
            '    parser.add_argument("--target", type=str, default="Survived")\n'
            '    parser.add_argument("--wandb_api_key", type=str, default=None)\n',
        )
        .replace(
            "    features = args.features.split()\n",
            "    features = args.features.split()\n"
            "    print('arguments', vars(args))  # a careless trainer prints its secrets\n"
            "    print('aws', os.environ.get('AWS_SECRET_ACCESS_KEY'))\n",
        )
    )
    return project


def liftshift(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "liftshift", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def file_texts(project: Path) -> dict[str, bytes]:
    """Every file under the project, and every member of every .tar.gz (the sdists). The
    user's own launch.py holds the literal the test put there, and so do byte-exact copies of
    it: its backup (``migrate`` points the launcher at the moved script; ``undo`` must give it
    back) and verify's throwaway copy of the original project."""
    launchers = {
        path.read_bytes()
        for path in [project / "launch.py", *project.glob(".liftshift/backups/*/files/launch.py")]
    }
    found = {}
    for path in project.rglob("*"):
        if not path.is_file() or (path.name == "launch.py" and path.read_bytes() in launchers):
            continue
        found[str(path)] = path.read_bytes()
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as archive:
                for member in archive.getmembers():
                    handle = archive.extractfile(member)
                    if handle is not None:
                        found[f"{path}!{member.name}"] = handle.read()
    return found


async def app_screens(project: Path) -> list[str]:
    from liftshift.tui.app import STEP_NAMES, make_app

    app = make_app(settings=Settings.from_env(project))
    shots = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.5)
        for number in range(1, len(STEP_NAMES) + 1):
            await pilot.press(str(number))
            await pilot.pause(0.3)
            shots.append(app.export_screenshot())
    return shots


@pytest.mark.slow
def test_no_sentinel_in_any_output_file_or_sdist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = prepare(tmp_path)
    env = {**os.environ, **CREDENTIALS, "GOOGLE_CLOUD_PROJECT": "sentinel-test"}
    env.pop("LIFTSHIFT_CACHE_DIR", None)  # the sdist and venv land in the project's .liftshift
    outputs: dict[str, str] = {}

    def step(*args: str) -> subprocess.CompletedProcess:
        result = liftshift(*args, cwd=project, env=env)
        outputs[" ".join(args)] = result.stdout + result.stderr
        return result

    step("scan", ".")
    step("scan", "--json", ".")
    assert step("plan", ".").returncode == 0
    step("migrate", ".")
    step("migrate", "--json", ".")
    step("migrate", "--check", ".")
    assert step("migrate", "--apply", ".").returncode == 0
    assert step("sync", ".").returncode == 0
    trained = step("train", ".")
    assert trained.returncode == 0, trained.stdout + trained.stderr
    run = step("run", ".", "--yes", "--json")
    assert run.returncode == 0, run.stderr
    job_id = json.loads(run.stdout)["job"]["id"]
    step("run", ".", "--target", "gcp", "--dry-run", "--json")
    step("run", ".", "--target", "gcp", "--dry-run")
    step("train", ".", "--target", "gcp", "--dry-run", "--json")
    step("jobs", "list")
    step("jobs", "status", job_id)
    logs = step("jobs", "logs", job_id)
    assert "arguments" in logs.stdout and "<redacted>" in logs.stdout
    step("models", "list")
    step("models", "versions", "titanic-sklearn")
    step("models", "versions", "titanic-sklearn", "--json")

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    screens = asyncio.run(app_screens(project))

    for command, text in outputs.items():
        for sentinel in SENTINELS:
            assert sentinel not in text, f"`liftshift {command}` printed {sentinel}"
    for number, text in enumerate(screens, start=1):
        for sentinel in SENTINELS:
            assert sentinel not in text, f"app step {number} showed {sentinel}"
    files = file_texts(project)
    assert any(".tar.gz!" in name for name in files), "the sdist was built and looked into"
    for name, data in files.items():
        for sentinel in SENTINELS:
            assert sentinel.encode() not in data, f"{name} holds {sentinel}"
