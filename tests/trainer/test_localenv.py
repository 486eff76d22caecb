"""The local trainer environment: ``inherit`` (liftshift's libraries, fast) and ``isolated``
(only what the trainer declares, the framework at the container's version)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.trainer import localenv
from liftshift.trainer.packaging import build_package


@pytest.mark.parametrize(
    ("wanted", "available", "chosen"),
    [
        ("1.2", ["1.9.1", "1.3.2", "1.2.2", "1.2.1", "1.0"], "1.2.2"),  # the container's minor
        ("2.14", ["2.21.0", "2.16.1", "2.13.1", "2.12.0"], "2.13.1"),  # nearest minor
        ("0.23", ["1.0", "0.24.2", "0.22.2.post1"], "0.24.2"),  # a tie goes to the newer
        ("1.2", ["2.0rc1"], None),  # never a pre-release
    ],
)
def test_nearest_installable_version(wanted: str, available: list[str], chosen: str) -> None:
    assert localenv.nearest_version(wanted, available) == chosen


def test_an_unknown_environment_mode_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(localenv.ENV_MODE_VARIABLE, "docker")
    with pytest.raises(localenv.EnvironmentSetupError, match=r"'isolated' .* or 'inherit'"):
        localenv.environment_mode()


def test_framework_pin_is_cached_with_its_line(tmp_path: Path) -> None:
    cache = tmp_path / "pins.json"
    cache.write_text('{"sklearn 1.2-1 py3.11": ["scikit-learn==1.2.2", "scikit-learn 1.2.2"]}')
    lines: list[str] = []
    pins = localenv.framework_requirements(
        "sklearn",
        "1.2-1",
        Path("python"),
        reporter=lambda e: lines.append(e.message),
        cache=cache,
    )
    assert pins == ["scikit-learn==1.2.2", "numpy<2"]  # built before numpy 2, as its image
    assert lines == ["scikit-learn 1.2.2"]
    assert localenv.framework_requirements("", "", Path("python"), cache=cache) == []


@pytest.mark.slow
def test_isolated_environment_sees_only_what_the_trainer_declares(
    toy_project: Path, toy_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_package(toy_project, toy_settings)
    inherited = localenv.ensure_environment(built, toy_settings)
    assert subprocess.run([inherited, "-c", "import click"], check=False).returncode == 0
    monkeypatch.setenv(localenv.ENV_MODE_VARIABLE, localenv.ISOLATED)
    lines: list[str] = []
    isolated = localenv.ensure_environment(
        built, toy_settings, reporter=lambda e: lines.append(e.message)
    )
    assert isolated != inherited
    assert any(
        line.endswith("(first run only; later runs reuse it): nothing declared") for line in lines
    )
    no_click = subprocess.run([isolated, "-c", "import click"], capture_output=True, check=False)
    assert no_click.returncode != 0, "liftshift's own libraries must not leak in"
    trainer = subprocess.run([isolated, "-c", "import trainer.task"], check=False)
    assert trainer.returncode == 0
    lines.clear()
    assert (
        localenv.ensure_environment(
            built, toy_settings, reporter=lambda e: lines.append(e.message), framework=("", "")
        )
        == isolated
    )
    assert any(line.startswith("reusing dependencies deps-") for line in lines)


def test_a_package_whose_wheel_does_not_build_is_one_error_with_what_it_printed(
    toy_project: Path, toy_settings: Settings
) -> None:
    """The sdist builds; the wheel pip would make from it on Vertex does not."""
    setup = toy_project / "setup.py"
    setup.write_text(
        "import sys\n"
        "if 'bdist_wheel' in sys.argv:\n"
        "    raise SystemExit('setup.py: no wheel without TRAINER_FLAVOUR')\n" + setup.read_text()
    )
    built = build_package(toy_project, toy_settings)
    with pytest.raises(localenv.EnvironmentSetupError) as failed:
        localenv.ensure_environment(built, toy_settings)
    message = str(failed.value)
    assert message.startswith("installing the trainer package failed:\n")
    assert "setup.py: no wheel without TRAINER_FLAVOUR" in message
