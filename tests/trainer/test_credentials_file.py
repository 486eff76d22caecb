"""Issue 13 item 13: a GOOGLE_APPLICATION_CREDENTIALS that names a bad file says what is wrong
with that file, in one line, without its content."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from liftshift.cli import cli
from liftshift.foundation.clients import CredentialsError, gcp_credentials
from liftshift.foundation.settings import Settings


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("folder", "is a folder, not a key file"),
        ("SENTINEL-not-json {", "is not JSON"),
        ('{"private_key": "SENTINEL-key"}', "not a credentials file"),
    ],
)
def test_bad_key_file_is_named_with_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, expected: str
) -> None:
    key = tmp_path / "key.json"
    if content == "folder":
        key.mkdir()
    elif content is not None:
        key.write_text(content)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    with pytest.raises(CredentialsError) as raised:
        gcp_credentials(Settings(target="gcp"))
    message = str(raised.value)
    assert f"GOOGLE_APPLICATION_CREDENTIALS={key}: {expected}" in message
    assert "SENTINEL" not in message and "\n" not in message


def test_the_cli_shows_the_file_problem(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    missing = tmp_path / "gone.json"
    result = CliRunner().invoke(
        cli,
        ["models", "list", "--project", str(project), "--target", "gcp"],
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(missing), "GOOGLE_CLOUD_PROJECT": "p"},
    )
    assert result.exit_code != 0
    assert f"GOOGLE_APPLICATION_CREDENTIALS={missing}: no such file" in result.output
    assert "set GOOGLE_APPLICATION_CREDENTIALS" not in result.output
