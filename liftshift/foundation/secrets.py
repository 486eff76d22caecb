"""Secret-looking values: detected by name, never written, redacted wherever they are shown.

A hyperparameter such as ``wandb_api_key`` or ``hub_token`` must not be copied from a SageMaker
launcher into ``liftshift.toml``, a generated launcher or a report. The plan holds a reference
instead, ``api_key = { env = "API_KEY" }``; job arguments carry the placeholder ``${API_KEY}``,
which is expanded from the environment only at the moment a trainer is started. The scanner
replaces a secret's value by ``<redacted>`` where it reads it, job arguments shown anywhere go
through :func:`redact_args`, and log lines through :func:`redact_text`. Names decide, not values:
only string values are treated as secrets, so ``max_tokens = 512`` or ``pad_token_id = 0`` stay
what they are.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "<redacted>"
ENV_KEY = "env"
"""The key of a plan reference: ``{ env = "NAME" }``."""

_SECRET_WORDS = frozenset(
    {"secret", "password", "passwd", "pwd", "passphrase", "token", "apikey", "credential"}
)
_SECRET_WORDS_PLURAL = frozenset({"secrets", "passwords", "credentials"})
_SPECIAL_TOKENS = frozenset({"pad", "eos", "bos", "unk", "sep", "cls", "mask", "start", "end"})
_NOT_SECRET_AFTER = frozenset(
    {"id", "ids", "len", "length", "count", "size", "type", "limit", "file", "path", "dir",
     "name", "url", "uri", "env", "var"}
)  # fmt: skip
"""``token_file``, ``secret_name``, ``api_key_env`` name where a secret is, not the secret."""
_NOT_SECRET_VARIABLES = frozenset(
    {"PWD", "OLDPWD", "GOOGLE_APPLICATION_CREDENTIALS", "AWS_SHARED_CREDENTIALS_FILE"}
)
_DATA_KEYS = frozenset(
    {"sort", "label", "target", "primary", "partition", "join", "group", "feature", "column",
     "dict", "image", "text", "input", "output", "data", "map", "metric", "monitor", "hash"}
)  # fmt: skip
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CREDENTIAL_VARIABLES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
     "GOOGLE_API_KEY", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "WANDB_API_KEY", "GITHUB_TOKEN"}
)  # fmt: skip


class SecretNotSet(LookupError):
    """A secret hyperparameter refers to an environment variable that is not set."""


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]


def is_secret_name(name: str) -> bool:
    """``api_key``, ``hub_token``, ``db_password``, ``clientSecret``, ``wandb-key``… (not
    ``max_tokens``, ``pad_token``, ``pad_token_id``, ``sort_key``, ``key``, ``token_file``)."""
    words = _words(name)
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        if after in _NOT_SECRET_AFTER:
            continue
        if word in _SECRET_WORDS_PLURAL:
            return True
        if word in _SECRET_WORDS and not (word == "token" and before in _SPECIAL_TOKENS):
            return True
        if word in ("key", "keys") and index and not after and before not in _DATA_KEYS:
            return True
        if word.endswith("apikey"):
            return True
    return False


def is_secret_value(name: str, value: Any) -> bool:
    """A hyperparameter whose value must never be written or shown."""
    return is_secret_name(name) and isinstance(value, str) and value != ""


def env_variable_for(name: str) -> str:
    """The environment variable a secret hyperparameter is read from: ``api-key`` → ``API_KEY``."""
    variable = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "SECRET"
    return variable if not variable[0].isdigit() else f"_{variable}"


def env_reference(variable: str) -> dict[str, str]:
    """What the plan holds instead of a secret: ``{ env = "API_KEY" }``."""
    return {ENV_KEY: variable}


def referenced_variable(value: Any) -> str | None:
    """``API_KEY`` for ``{ env = "API_KEY" }``; None for any other value."""
    if isinstance(value, Mapping) and set(value) == {ENV_KEY} and isinstance(value[ENV_KEY], str):
        return value[ENV_KEY]
    return None


def placeholder(variable: str) -> str:
    """``${API_KEY}``: how a job argument names a secret until the trainer is started."""
    return f"${{{variable}}}"


def expand_placeholders(args: Iterable[str], env: Mapping[str, str] | None = None) -> list[str]:
    """The job arguments with each ``${NAME}`` argument replaced by ``env[NAME]`` (at launch
    only). Only whole arguments are placeholders, as :func:`placeholder` makes them."""
    env = os.environ if env is None else env
    expanded = []
    for arg in args:
        match = _PLACEHOLDER.fullmatch(arg)
        if match is None:
            expanded.append(arg)
            continue
        name = match.group(1)
        if name not in env:
            raise SecretNotSet(
                f"environment variable {name} is not set; a secret hyperparameter in "
                f"liftshift.toml reads it: export {name}=… before training"
            )
        expanded.append(env[name])
    return expanded


def secret_values(
    hyperparameters: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> set[str]:
    """Every secret value in play: literal secret hyperparameters, the variables they refer
    to, and the credential variables of the environment (``AWS_SECRET_ACCESS_KEY``,
    ``*_API_KEY``, ``*_TOKEN``…). Values shorter than 4 characters are left alone (redacting
    ``1`` everywhere would garble every log)."""
    env = os.environ if env is None else env
    found: set[str] = set()
    for name, value in (hyperparameters or {}).items():
        variable = referenced_variable(value)
        if variable is not None:
            found.add(env.get(variable, ""))
        elif is_secret_value(name, value):
            found.add(value)
    for name, value in env.items():
        if name in _NOT_SECRET_VARIABLES:
            continue
        if name in _CREDENTIAL_VARIABLES or is_secret_name(name):
            found.add(value)
    return {value for value in found if len(value) >= 4}


def redact_text(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` (longest first) replaced by ``<redacted>``."""
    for value in sorted(set(values), key=len, reverse=True):
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text


def redact_args(args: Iterable[str]) -> list[str]:
    """A ``--key value`` argument list with the values of secret-named flags redacted
    (placeholders are kept: they name a variable, not a value)."""
    shown = list(args)
    for index, arg in enumerate(shown[:-1]):
        following = shown[index + 1]
        if (
            arg.startswith("-")
            and is_secret_name(arg.lstrip("-"))
            and not _PLACEHOLDER.fullmatch(following)
        ):
            shown[index + 1] = REDACTED
    return shown


def protect_args(
    args: Iterable[str], prefix: str = "LIFTSHIFT_SECRET_"
) -> tuple[list[str], dict[str, str]]:
    """Arguments safe to write to disk, and the environment that restores them.

    A literal value after a secret-named flag (a hand-edited plan, a ``-H api_key=…``
    override) is moved into a variable and replaced by its placeholder, so a job record holds
    ``--api_key ${LIFTSHIFT_SECRET_API_KEY}`` and the value only lives in the environment the
    job's processes are started with."""
    safe = list(args)
    env: dict[str, str] = {}
    for index, arg in enumerate(safe[:-1]):
        following = safe[index + 1]
        name = arg.lstrip("-")
        if arg.startswith("-") and is_secret_name(name) and not _PLACEHOLDER.fullmatch(following):
            variable = prefix + env_variable_for(name)
            env[variable] = following
            safe[index + 1] = placeholder(variable)
    return safe, env
