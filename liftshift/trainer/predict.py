"""Deploy a registered model version and send it test instances (``train --deploy``).

``local``: the artifact is loaded in a fresh subprocess the way the prebuilt prediction
containers load it (``model.joblib``/``model.pkl`` with joblib, ``model.bst`` with XGBoost, a
SavedModel's ``serving_default`` signature), so a model that predicts here will load there. That
subprocess runs on the libraries the version's package trained with (the framework at the
container's version, as the prebuilt serving image has it; see ``localenv.model_environment``),
never on liftshift's own unless the trainer environment inherits them. A
version served by the project's predictor (``model.serving = "cpr"``) runs that predictor in the
trainer's environment through the SDK's ``PredictionHandler`` (``_serve_cpr``), no docker.
``gcp``: an endpoint named after the model is reused or created, the version is deployed to it,
and the instances go through ``Endpoint.predict``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liftshift.foundation.clients import call_with_retries, vertex_sdk
from liftshift.foundation.events import Reporter, ignore
from liftshift.foundation.settings import Settings
from liftshift.trainer.jobs import StepProgress
from liftshift.trainer.registry.base import ModelVersion

DEFAULT_MACHINE = "n1-standard-2"
INSTANCES_FILE = "sample_instances.json"


class PredictionError(RuntimeError):
    pass


@dataclass(frozen=True)
class Prediction:
    predictions: list[Any]
    endpoint: str
    """The Vertex endpoint's resource name, or the local artifact folder."""
    deployed_model_id: str = ""
    note: str = ""
    """One line when the local prediction may differ from the container's (a version without
    its trainer package, loaded by liftshift's own libraries); empty otherwise."""


def load_instances(path: Path) -> list[Any]:
    """Instances from a JSON file: a list, or ``{"instances": [...]}`` as Vertex takes them."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PredictionError(f"{path}: cannot read instances: {exc}") from exc
    instances = data.get("instances") if isinstance(data, dict) else data
    if not isinstance(instances, list) or not instances:
        raise PredictionError(f"{path}: expected a non-empty JSON list of instances")
    return instances


def project_instances(project_dir: Path) -> list[Any] | None:
    """``<project>/sample_instances.json`` when the project ships one."""
    path = Path(project_dir) / INSTANCES_FILE
    return load_instances(path) if path.is_file() else None


def predict(
    version: ModelVersion,
    instances: list[Any],
    settings: Settings,
    *,
    machine_type: str = DEFAULT_MACHINE,
    reporter: Reporter = ignore,
) -> Prediction:
    """Deploy ``version`` (gcp) or load it (local) and predict ``instances``."""
    if settings.target == "gcp":
        return _predict_vertex(version, instances, settings, machine_type, reporter)
    if version.predictor:
        return predict_custom_local(version, instances, settings, reporter=reporter)
    return predict_local(version, instances, settings, reporter=reporter)


def predict_local(
    version: ModelVersion,
    instances: list[Any],
    settings: Settings,
    *,
    reporter: Reporter = ignore,
) -> Prediction:
    """Load the artifact as the prebuilt container would, in the environment the version's
    package trained in; a version registered before the local registry kept its package is
    loaded by liftshift's own python, said in one line (:attr:`Prediction.note`)."""
    from liftshift.trainer.localenv import ISOLATED, environment_mode, model_environment
    from liftshift.trainer.packaging import BuiltPackage

    artifact_dir = Path(version.artifact_uri)
    note = ""
    sdist = Path(version.package_uri) if version.package_uri else None
    if sdist is not None and sdist.is_file():
        built = BuiltPackage(sdist, sdist.parent.name, reused=True)
        python = model_environment(built, settings, reporter=reporter)
    else:
        python = Path(sys.executable)
        if environment_mode() == ISOLATED:  # inherit: the trainer saw these libraries too
            note = _no_package_line(version, sdist)
    reporter(StepProgress("predict", f"loading {artifact_dir} in a fresh process"))
    script = Path(__file__).with_name("_predict_local.py")  # imports nothing of liftshift
    result = subprocess.run(
        [str(python), "-P", str(script), str(artifact_dir)],
        input=json.dumps(instances),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-10:])
        raise PredictionError(f"the model in {artifact_dir} did not predict:\n{tail}")
    predictions = json.loads(result.stdout.strip().splitlines()[-1])
    return Prediction(predictions, str(artifact_dir), note=note)


def _no_package_line(version: ModelVersion, sdist: Path | None) -> str:
    what = f"its package {sdist} is missing" if sdist else "it was registered without its package"
    return (
        f"{version.model} version {version.version_id}: {what}, so it is loaded with "
        "liftshift's own libraries, not the ones it trained with; register it again "
        "(`liftshift train`) to predict in its training environment"
    )


def predict_custom_local(
    version: ModelVersion,
    instances: list[Any],
    settings: Settings,
    *,
    reporter: Reporter = ignore,
) -> Prediction:
    """The version's own predictor (from the package registered with it) answers one request,
    in the environment the trainer ran in."""
    from liftshift.trainer.localenv import ISOLATED, ensure_environment, environment_mode
    from liftshift.trainer.packaging import BuiltPackage

    sdist = Path(version.package_uri)
    if not sdist.is_file():
        raise PredictionError(
            f"{sdist}: the package of version {version.version_id} is missing; register the "
            "model again (`liftshift train`)"
        )
    python = ensure_environment(
        BuiltPackage(sdist, sdist.parent.name, reused=True), settings, reporter=reporter
    )
    module, _, class_name = version.predictor.partition(":")
    reporter(StepProgress("predict", f"serving {version.predictor} on {version.artifact_uri}"))
    script = Path(__file__).with_name("_serve_cpr.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "AIP_"))}
    if environment_mode() == ISOLATED:  # the serving image's prediction server, after the trainer's
        env["LIFTSHIFT_SERVING_LIBRARIES"] = json.dumps(
            list(dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]))
        )
    with tempfile.TemporaryDirectory(prefix="liftshift-serve-") as work:
        result = subprocess.run(
            [str(python), "-P", str(script), version.artifact_uri, module, class_name],
            input=json.dumps(instances),
            capture_output=True,
            text=True,
            cwd=work,
            env=env | {"TMPDIR": work},  # a downloaded model goes where it is cleaned up
            check=False,
        )
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-10:])
        raise PredictionError(f"{version.predictor} did not predict:\n{tail}")
    return Prediction(json.loads(result.stdout.strip().splitlines()[-1]), version.artifact_uri)


def _predict_vertex(
    version: ModelVersion,
    instances: list[Any],
    settings: Settings,
    machine_type: str,
    reporter: Reporter,
) -> Prediction:
    aiplatform = vertex_sdk(settings)
    name = f"{version.model}-endpoint"
    escaped = name.replace('"', '\\"')
    endpoints = call_with_retries(
        settings, lambda: aiplatform.Endpoint.list(filter=f'display_name="{escaped}"')
    )
    if endpoints:
        endpoint = endpoints[0]
        reporter(StepProgress("deploy", f"reusing endpoint {endpoint.resource_name}"))
    else:
        endpoint = aiplatform.Endpoint.create(display_name=name, sync=True)
        reporter(StepProgress("deploy", f"created endpoint {endpoint.resource_name}"))
    model_name = version.resource_name.split("@")[0]
    deployed = [
        d
        for d in call_with_retries(settings, endpoint.list_models)
        if d.model.split("@")[0] == model_name
        and (d.model_version_id or d.model.partition("@")[2]) == version.version_id
    ]
    if deployed:
        reporter(StepProgress("deploy", f"version {version.version_id} is already deployed"))
    else:
        model = aiplatform.Model(model_name=model_name, version=version.version_id)
        model.deploy(
            endpoint=endpoint,
            machine_type=machine_type,
            min_replica_count=1,
            max_replica_count=1,
            traffic_percentage=100,
            sync=True,
        )
        message = f"deployed version {version.version_id} to {endpoint.display_name}"
        reporter(StepProgress("deploy", message))
    response = call_with_retries(settings, lambda: endpoint.predict(instances=instances))
    return Prediction(
        [_plain(p) for p in response.predictions],
        endpoint.resource_name,
        response.deployed_model_id,
    )


def _plain(value: Any) -> Any:
    """Protobuf Value containers → JSON-ready lists and dicts."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__iter__"):
        return [_plain(v) for v in value]
    return value
