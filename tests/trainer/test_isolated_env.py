"""The default local trainer environment (``isolated``), proven offline: pip reads a wheelhouse
written by the test (a declared requirement, a stand-in scikit-learn at the container's
version), and the trainer sees only what its package declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from liftshift.foundation.plan import load_plan
from liftshift.foundation.settings import Settings
from liftshift.trainer import localenv, service
from liftshift.trainer.jobs import JobState, TrainOverrides
from liftshift.trainer.packaging import build_package
from tests.trainer.wheelhouse import use_offline_wheelhouse, write_wheel

pytestmark = pytest.mark.slow


@pytest.fixture
def offline_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated mode, a fresh cache root, pip offline on a wheelhouse of stand-ins: the
    declared ``probe-dep``, scikit-learn 1.2.2 and 1.3.2, and the ``numpy<2`` that pre-numpy-2
    releases get. Returns the cache root."""
    wheelhouse = tmp_path / "wheelhouse"
    write_wheel(wheelhouse, "probe-dep", "1.0", {"probe_dep.py": "VALUE = 'from the wheelhouse'\n"})
    for version in ("1.2.2", "1.3.2"):
        write_wheel(
            wheelhouse,
            "scikit-learn",
            version,
            {"sklearn/__init__.py": f"__version__ = '{version}'\n"},
        )
    write_wheel(wheelhouse, "numpy", "1.26.4", {"numpy/__init__.py": "__version__ = '1.26.4'\n"})
    use_offline_wheelhouse(monkeypatch, wheelhouse, tmp_path / "home")
    cache = tmp_path / "cache"
    monkeypatch.setenv("LIFTSHIFT_CACHE_DIR", str(cache))
    monkeypatch.delenv(localenv.ENV_MODE_VARIABLE)  # the default, not the tests' pin
    return cache


def _declare(project: Path, requirement: str) -> None:
    setup = project / "setup.py"
    setup.write_text(
        setup.read_text().replace("install_requires=[]", f"install_requires=[{requirement!r}]")
    )


def _runs(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)


def test_isolated_is_the_default_and_installs_only_what_is_declared(
    toy_project: Path,
    toy_settings: Settings,
    offline_isolated: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert localenv.environment_mode() == localenv.ISOLATED
    _declare(toy_project, "probe-dep==1.0")
    built = build_package(toy_project, toy_settings)
    lines: list[str] = []
    python = localenv.ensure_environment(
        built,
        toy_settings,
        reporter=lambda e: lines.append(e.message),
        framework=("sklearn", "1.2-1"),
    )
    assert "scikit-learn 1.2.2 (the container's 1.2)" in lines
    assert any(
        "(first run only; later runs reuse it): probe-dep==1.0, scikit-learn==1.2.2, numpy<2"
        in line
        for line in lines
    ), lines
    seen = _runs(
        python,
        "import probe_dep, sklearn, trainer.task; print(probe_dep.VALUE, sklearn.__version__)",
    )
    assert seen.stdout.split() == ["from", "the", "wheelhouse", "1.2.2"], seen.stderr
    click = _runs(python, "import click")  # liftshift has it; the trainer did not declare it
    assert "No module named 'click'" in click.stderr
    assert (offline_isolated / "pip").is_dir()
    assert not (tmp_path / "home" / ".cache").exists(), "pip's cache must stay in liftshift's"

    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a warm run called pip: {args}")

    monkeypatch.setattr(localenv, "_pip", no_pip)
    monkeypatch.setattr(localenv, "_framework_pin", no_pip)
    lines.clear()
    again = localenv.ensure_environment(
        built,
        toy_settings,
        reporter=lambda e: lines.append(e.message),
        framework=("sklearn", "1.2-1"),
    )
    assert again == python
    assert any(line.startswith("reusing dependencies deps-") for line in lines)
    # serving a registered version: the environment the package trained in, framework and all
    assert localenv.ensure_environment(built, toy_settings) == python

    # new trainer code, same requirements: only the package is installed, over the same deps
    calls: list[list[str]] = []
    monkeypatch.undo()
    use_offline_wheelhouse(monkeypatch, tmp_path / "wheelhouse", tmp_path / "home")
    monkeypatch.setenv("LIFTSHIFT_CACHE_DIR", str(offline_isolated))
    monkeypatch.delenv(localenv.ENV_MODE_VARIABLE, raising=False)
    real_pip = localenv._pip
    monkeypatch.setattr(
        localenv, "_pip", lambda py, args, cache: calls.append(args) or real_pip(py, args, cache)
    )
    (toy_project / "trainer" / "extra.py").write_text("X = 1\n")
    rebuilt = build_package(toy_project, toy_settings)
    assert rebuilt.content_hash != built.content_hash
    lines.clear()
    localenv.ensure_environment(
        rebuilt,
        toy_settings,
        reporter=lambda e: lines.append(e.message),
        framework=("sklearn", "1.2-1"),
    )
    assert any(line.startswith("reusing dependencies deps-") for line in lines)
    assert not any("probe-dep==1.0" in args for args in calls), calls


def test_an_undeclared_library_fails_the_job_with_the_package_to_add(
    toy_project: Path, toy_settings: Settings, offline_isolated: Path
) -> None:
    overrides = TrainOverrides(hyperparameters={"mode": "undeclared"})
    result = service.train(load_plan(toy_project), toy_settings, overrides)
    assert result.status is not None and result.status.state == JobState.FAILED
    assert result.status.headline == (
        "ModuleNotFoundError: No module named 'click' (the trainer package does not install "
        "it: add click to requirements.txt, or to install_requires in setup.py)"
    )


def test_the_nearest_installable_framework_is_said_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    write_wheel(wheelhouse, "scikit-learn", "1.3.2", {"sklearn/__init__.py": ""})
    use_offline_wheelhouse(monkeypatch, wheelhouse, tmp_path / "home")
    lines: list[str] = []
    python = Path(sys.executable)
    pins = localenv.framework_requirements(
        "sklearn", "1.2-1", python, reporter=lambda e: lines.append(e.message), pip_cache=tmp_path
    )
    assert pins == ["scikit-learn==1.3.2", "numpy<2"]
    assert lines == [
        "scikit-learn 1.2 (the container's) does not install on this Python; "
        "nearest installable: 1.3.2"
    ]
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "empty"))
    with pytest.raises(localenv.EnvironmentSetupError) as raised:
        localenv.framework_requirements("xgboost", "1.7-1", python)
    (line,) = str(raised.value).splitlines()
    assert line.startswith("no installable xgboost for this Python (the container has 1.7)")
    assert line.endswith("set LIFTSHIFT_TRAINER_ENV=inherit to train on the xgboost installed here")


@pytest.mark.parametrize("command", ["train", "run", "verify", "demo"])
def test_the_commands_that_train_take_trainer_env(command: str) -> None:
    from click.testing import CliRunner

    from liftshift.cli import cli

    shown = CliRunner().invoke(cli, [command, "--help"], terminal_width=200)
    assert "--trainer-env [isolated|inherit]" in shown.output


def test_trainer_env_flag_sets_the_variable_the_trainer_layer_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import click
    from click.testing import CliRunner

    from liftshift.commands.trainer_env import trainer_env_option

    @click.command()
    @trainer_env_option
    def probe() -> None:
        click.echo(localenv.environment_mode())

    # the flag sets os.environ, which CliRunner does not restore: monkeypatch does
    monkeypatch.setenv(localenv.ENV_MODE_VARIABLE, "inherit")
    assert CliRunner().invoke(probe, ["--trainer-env", "inherit"]).output == "inherit\n"
    assert CliRunner().invoke(probe, ["--trainer-env", "isolated"]).output == "isolated\n"
    bad = CliRunner().invoke(probe, ["--trainer-env", "docker"])
    assert bad.exit_code == 2 and "'docker' is not one of 'isolated', 'inherit'" in bad.output


PROBE_MODEL = '''import importlib.util
import sys


class Model:
    """Predicts what loaded it: the scikit-learn it sees, its interpreter's prefix, and
    whether the trainer package is importable there."""

    def predict(self, instances):
        import sklearn

        trainer = importlib.util.find_spec("trainer") is not None
        return [[sklearn.__version__, sys.prefix, trainer] for _ in instances]
'''


def test_a_prebuilt_version_predicts_on_the_libraries_it_trained_with(
    toy_project: Path, toy_settings: Settings, offline_isolated: Path, tmp_path: Path
) -> None:
    """Trained with the container's scikit-learn (1.2.2 here, liftshift has another), the
    registered version keeps its package and is unpickled by that scikit-learn, in the
    trainer's dependency venv, without the trainer package (the prebuilt image lacks it)."""
    import sklearn

    from liftshift.trainer.predict import predict

    assert sklearn.__version__ != "1.2.2"
    write_wheel(tmp_path / "wheelhouse", "probe-model", "1.0", {"probe_model.py": PROBE_MODEL})
    _declare(toy_project, "probe-model==1.0")
    overrides = TrainOverrides(hyperparameters={"mode": "probe-model"})
    result = service.train(load_plan(toy_project), toy_settings, overrides)
    assert result.status is not None and result.status.state == JobState.SUCCEEDED, result.status
    version = result.model_version
    assert version is not None and not version.predictor
    kept = Path(version.package_uri)
    assert kept.is_relative_to(Path(version.resource_name))
    assert kept.read_bytes() == result.package.path.read_bytes()
    assert kept.parent.name == result.package.content_hash

    lines: list[str] = []
    prediction = predict(version, [[1.0]], toy_settings, reporter=lambda e: lines.append(e.message))
    ((seen_sklearn, prefix, trainer_importable),) = prediction.predictions
    assert seen_sklearn == "1.2.2"
    assert Path(prefix).parent == offline_isolated / "venvs"
    assert Path(prefix).name.startswith("deps-")
    assert trainer_importable is False
    assert prediction.note == ""
    assert f"reusing environment {result.package.content_hash}" in lines
