"""Turn an estimator constructor and its ``fit``/``train`` call into a :class:`Launcher`.

SDK v2 estimators take flat keywords (v1 spelled some ``train_instance_*``); SDK v3's
``ModelTrainer`` nests them in ``SourceCode``/``Compute``/``InputData`` objects. Both end in the
same Launcher so the plan does not care which SDK the project used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from liftshift.foundation.catalog.launches import launch_of
from liftshift.foundation.secrets import REDACTED, env_variable_for, is_secret_name
from liftshift.scan import tables
from liftshift.scan.project import Channel, Finding, Launcher, Location, Severity, Unresolved
from liftshift.scan.values import CallValue, Evaluator, plain

V1_NAMES = {
    "train_instance_type": "instance_type",
    "train_instance_count": "instance_count",
    "image_name": "image_uri",
    "distributions": "distribution",
    "train_input_mode": "input_mode",
}
SIMPLE_FIELDS = (
    "entry_point",
    "source_dir",
    "framework_version",
    "py_version",
    "image_uri",
    "instance_type",
    "instance_count",
    "role",
    "output_path",
    "checkpoint_s3_uri",
)
GENERIC_POSITIONAL = ("image_uri", "role", "instance_count", "instance_type")
FRAMEWORK_POSITIONAL = ("entry_point",)


class LauncherBuilder:
    def __init__(
        self,
        evaluator: Evaluator,
        findings: list[Finding],
        location: Callable[[cst.CSTNode], Location],
    ) -> None:
        self.evaluator = evaluator
        self.findings = findings
        self.location = location

    def _warn(self, code: str, message: str, where: Location, severity=Severity.WARNING) -> None:
        self.findings.append(Finding(code, message, severity, where))

    def from_constructor(self, node: cst.Call, name: str, last: str) -> Launcher:
        where = self.location(node)
        framework = tables.ESTIMATORS[last]
        launcher = Launcher(location=where, estimator=name, framework=framework)
        kwargs, positional = self._arguments(node)
        for index, value in enumerate(positional):
            names = FRAMEWORK_POSITIONAL if framework else GENERIC_POSITIONAL
            if index < len(names):
                kwargs.setdefault(names[index], value)
        for old, new in V1_NAMES.items():
            if old in kwargs:
                kwargs.setdefault(new, kwargs.pop(old))
                self._warn(
                    "sdk-v1-argument",
                    f"`{old}` is a SageMaker SDK v1 name (v2: `{new}`)",
                    where,
                    Severity.INFO,
                )
        if framework == "huggingface" and "framework_version" not in kwargs:
            self._huggingface_versions(kwargs, where)
        if last in tables.V3_CLASSES:
            launcher.sdk_version = 3
            self._v3_arguments(kwargs)
        for field_name in SIMPLE_FIELDS:
            if field_name in kwargs:
                setattr(launcher, field_name, plain(kwargs[field_name]))
        self._image(launcher, kwargs.get("image_uri"))
        self._role(launcher, where)
        if "distribution" in kwargs:
            launcher.distribution = plain(kwargs["distribution"])
            self._launch(launcher.distribution, where)
        if "hyperparameters" in kwargs:
            self._set_hyperparameters(launcher, kwargs["hyperparameters"], where)
        if kwargs.get("input_mode") == "Pipe":
            self._pipe(where)
        if "input_data_config" in kwargs:
            launcher.channels.extend(self._channels(kwargs["input_data_config"], where))
        for field_name in ("entry_point", "instance_type"):
            if isinstance(getattr(launcher, field_name), Unresolved):
                self._warn(
                    f"launcher-{field_name.replace('_', '-')}-not-static",
                    f"launcher {field_name} is not static: {getattr(launcher, field_name).source}",
                    where,
                )
        return launcher

    def _role(self, launcher: Launcher, where: Location) -> None:
        """Say what the execution role is, and when it is known only at run time."""
        launcher.role_kind = role_kind(launcher.role)
        if launcher.role_kind == "execution-role":
            self._warn(
                "role-at-run-time",
                f"the execution role is {launcher.role.source}, known only at run time; "
                "`liftshift scan --from-job NAME` reads it from a past job, or set "
                "iam.source_role in liftshift.toml",
                where,
                Severity.INFO,
            )
        elif launcher.role_kind == "unresolved":
            self._warn(
                "role-not-static",
                f"the execution role is not static: {launcher.role.source}; "
                "set iam.source_role in liftshift.toml",
                where,
            )

    def _arguments(self, node: cst.Call) -> tuple[dict[str, Any], list[Any]]:
        kwargs: dict[str, Any] = {}
        positional: list[Any] = []
        for arg in node.args:
            if arg.star:
                continue
            value = self.evaluator.evaluate(arg.value)
            if arg.keyword is None:
                positional.append(value)
            else:
                kwargs[arg.keyword.value] = value
        return kwargs, positional

    def _huggingface_versions(self, kwargs: dict[str, Any], where: Location) -> None:
        """HuggingFace estimators pin ``pytorch_version`` (or ``tensorflow_version``) plus
        ``transformers_version``; the training image is the framework's, so its version is the
        one that picks a container."""
        for key in ("pytorch_version", "tensorflow_version"):
            if key in kwargs:
                kwargs["framework_version"] = kwargs[key]
                break
        transformers = kwargs.get("transformers_version")
        if isinstance(transformers, str):
            self._warn(
                "huggingface-transformers",
                f"HuggingFace estimator: pin transformers=={transformers} in requirements.txt "
                "(Vertex images do not ship it)",
                where,
                Severity.INFO,
            )

    def _launch(self, distribution: Any, where: Location) -> None:
        """Say how the distributed launch maps to Vertex AI worker pools (a warning when
        Vertex AI cannot start it and the job will run on one replica)."""
        launch = launch_of(distribution)
        if launch is None:
            return
        self._warn(
            "distributed-launch",
            f"distribution {launch.kind}: {launch.describe()}",
            where,
            Severity.INFO if launch.supported else Severity.WARNING,
        )

    def _v3_arguments(self, kwargs: dict[str, Any]) -> None:
        """Flatten ModelTrainer's nested config objects into the v2 field names."""
        source = kwargs.get("source_code")
        if isinstance(source, CallValue):
            if "entry_script" in source.kwargs:
                kwargs.setdefault("entry_point", source.kwargs["entry_script"])
            if "source_dir" in source.kwargs:
                kwargs.setdefault("source_dir", source.kwargs["source_dir"])
        compute = kwargs.get("compute")
        if isinstance(compute, CallValue):
            for key in ("instance_type", "instance_count"):
                if key in compute.kwargs:
                    kwargs.setdefault(key, compute.kwargs[key])
        if "training_image" in kwargs:
            kwargs.setdefault("image_uri", kwargs["training_image"])
        output = kwargs.get("output_data_config")
        if isinstance(output, CallValue) and "s3_output_path" in output.kwargs:
            kwargs.setdefault("output_path", output.kwargs["s3_output_path"])
        checkpoint = kwargs.get("checkpoint_config")
        if isinstance(checkpoint, CallValue) and "s3_uri" in checkpoint.kwargs:
            kwargs.setdefault("checkpoint_s3_uri", checkpoint.kwargs["s3_uri"])
        if "distributed" in kwargs:
            kwargs.setdefault("distribution", v3_distribution(kwargs["distributed"]))

    def _image(self, launcher: Launcher, image: Any) -> None:
        """``image_uris.retrieve(framework=..., version=...)`` names the framework too."""
        if isinstance(image, CallValue) and image.name == "retrieve":
            framework = image.kwargs.get("framework", image.args[0] if image.args else None)
            if isinstance(framework, str) and launcher.framework is None:
                launcher.framework = framework
            version = image.kwargs.get("version")
            if isinstance(version, str) and launcher.framework_version is None:
                launcher.framework_version = version
        elif isinstance(image, str) and launcher.framework is None:
            for framework in ("sklearn", "tensorflow", "pytorch", "xgboost", "huggingface"):
                if framework in image or (framework == "sklearn" and "scikit-learn" in image):
                    launcher.framework = framework
                    break

    def _set_hyperparameters(self, launcher: Launcher, value: Any, where: Location) -> None:
        if not isinstance(value, dict):
            source = value.source if isinstance(value, Unresolved | CallValue) else repr(value)
            self._warn(
                "hyperparameters-not-static",
                f"launcher hyperparameters are not static: {source}",
                where,
            )
            return
        for key, raw in value.items():
            item = plain(raw)
            if is_secret_name(key) and not isinstance(item, int | float | bool) and item:
                # the value never leaves the scanner: reports, --json and the plan see this
                self._warn(
                    "secret-hyperparameter",
                    f"hyperparameter {key!r} looks like a secret: liftshift does not copy its "
                    f"value; the plan reads it from the environment variable "
                    f"{env_variable_for(key)} (or use Secret Manager)",
                    where,
                )
                launcher.hyperparameters[key] = REDACTED
                continue
            launcher.hyperparameters[key] = item
            if isinstance(item, Unresolved):
                self._warn(
                    "hyperparameter-not-static",
                    f"launcher hyperparameter {key!r} is not static: {item.source}",
                    where,
                )

    def add_hyperparameters(self, launcher: Launcher, node: cst.Call) -> None:
        kwargs, _ = self._arguments(node)
        self._set_hyperparameters(launcher, kwargs, self.location(node))

    def add_inputs(self, launcher: Launcher, node: cst.Call) -> None:
        """``fit(inputs)`` (v2) or ``train(input_data_config=[...])`` (v3)."""
        kwargs, positional = self._arguments(node)
        where = self.location(node)
        inputs = kwargs.get("inputs", kwargs.get("input_data_config"))
        if inputs is None and positional:
            inputs = positional[0]
        if inputs is None:
            return
        launcher.channels.extend(self._channels(inputs, where))

    def _channels(self, inputs: Any, where: Location) -> list[Channel]:
        if isinstance(inputs, str):
            return [Channel("training", inputs)]
        if isinstance(inputs, CallValue) and inputs.name in {"TrainingInput", "s3_input"}:
            return [self._channel("training", inputs, where)]
        if isinstance(inputs, dict):
            return [self._channel(name, value, where) for name, value in inputs.items()]
        if isinstance(inputs, list):
            channels = []
            for item in inputs:
                if isinstance(item, CallValue) and item.name == "InputData":
                    name = item.kwargs.get("channel_name")
                    source = item.kwargs.get("data_source")
                    if isinstance(name, str):
                        channels.append(self._channel(name, source, where))
                        continue
                self._warn(
                    "channel-not-static",
                    f"training input is not static: {plain(item)}",
                    where,
                )
            return channels
        source = inputs.source if isinstance(inputs, Unresolved | CallValue) else repr(inputs)
        self._warn("channels-not-static", f"training inputs are not static: {source}", where)
        return []

    def _channel(self, name: str, value: Any, where: Location) -> Channel:
        content_type = input_mode = None
        if isinstance(value, CallValue) and value.name in {"TrainingInput", "s3_input"}:
            uri = value.kwargs.get("s3_data", value.args[0] if value.args else None)
            content_type = value.kwargs.get("content_type")
            input_mode = value.kwargs.get("input_mode")
            value = uri
        elif isinstance(value, CallValue) and value.name == "S3DataSource":
            value = value.kwargs.get("s3_uri", value.kwargs.get("S3Uri", value))
        elif isinstance(value, CallValue) and value.name == "FileSystemInput":
            self._warn(
                "file-system-input",
                f"channel {name!r} reads EFS/FSx ({value.source}); copy it to GCS by hand",
                where,
            )
        value = plain(value)
        if isinstance(value, Unresolved):
            self._warn(
                "channel-not-static", f"channel {name!r} URI is not static: {value.source}", where
            )
        if input_mode == "Pipe":
            self._pipe(where)
        return Channel(
            name,
            value,
            content_type if isinstance(content_type, str) else None,
            input_mode if isinstance(input_mode, str) else None,
        )

    def _pipe(self, where: Location) -> None:
        self._warn(
            "pipe-mode",
            "Pipe mode has no Vertex AI equivalent; the channel will be read as files",
            where,
        )


def v3_distribution(value: Any) -> Any:
    """SDK v3's ``distributed=Torchrun()`` / ``MPI()`` as the v2 ``distribution`` dict it
    stands for (``Torchrun(smp=...)`` is SageMaker model parallelism); anything else as is."""
    if not isinstance(value, CallValue):
        return value
    if value.name == "Torchrun":
        if value.kwargs.get("smp") is not None:
            return {"smdistributed": {"modelparallel": {"enabled": True}}}
        return {"torch_distributed": {"enabled": True}}
    if value.name == "MPI":
        return {"mpi": {"enabled": True}}
    return value


def role_kind(role: Any) -> str | None:
    """``arn``, ``name``, ``execution-role`` or ``unresolved`` (see :class:`Launcher`)."""
    if role is None:
        return None
    if isinstance(role, Unresolved):
        return "execution-role" if "get_execution_role(" in role.source else "unresolved"
    if isinstance(role, str) and role.startswith("arn:"):
        return "arn"
    if isinstance(role, str) and role:
        return "name"
    return "unresolved"
