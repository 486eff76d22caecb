"""``liftshift train``, ``jobs``, ``models`` and ``tiers``: the training step from the shell.

Thin: every decision lives in ``liftshift.trainer`` (the app calls the same functions). This
module turns flags into :class:`~liftshift.trainer.jobs.TrainOverrides`, renders events with
rich, and maps outcomes to exit codes: 0 the job succeeded, 1 it failed/was cancelled or the
cloud refused, 2 bad input (unknown tier, missing staging bucket, no plan...).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from liftshift.commands.trainer_env import trainer_env_option
from liftshift.foundation.settings import TARGETS

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(f"liftshift: {message}", err=True)
    sys.exit(code)


def _bad_input_errors() -> tuple[type[BaseException], ...]:
    from liftshift.foundation.catalog.containers import NoPrebuiltContainer
    from liftshift.foundation.catalog.machines import MachineError
    from liftshift.foundation.clients import CredentialsError
    from liftshift.foundation.plan import PlanError
    from liftshift.foundation.settings import SettingsError
    from liftshift.trainer.jobs import JobSpecError
    from liftshift.trainer.localenv import EnvironmentSetupError
    from liftshift.trainer.packaging import PackagingError
    from liftshift.trainer.registry.base import RegistryError
    from liftshift.trainer.serving import ServingError

    return (
        PlanError, JobSpecError, MachineError, NoPrebuiltContainer, PackagingError,
        CredentialsError, RegistryError, SettingsError, ServingError, EnvironmentSetupError,
    )  # fmt: skip


def _settings(project: Path, target: str | None, region: str | None = None) -> Any:
    """Settings from the environment, then the plan, then flags (rising priority)."""
    from liftshift.foundation.plan import PlanError, load_plan, settings_for_plan
    from liftshift.foundation.settings import Settings

    try:
        plan = load_plan(project)
    except PlanError:
        plan = None
    return settings_for_plan(plan, Settings.from_env(project), target=target, region=region)


def _with_poll_interval(settings: Any, poll_interval: float | None) -> Any:
    """``--poll-interval`` over ``LIFTSHIFT_POLL_INTERVAL``."""
    from dataclasses import replace

    from liftshift.foundation.settings import parse_seconds

    if poll_interval is None:
        return settings
    return replace(settings, poll_interval=parse_seconds(poll_interval, "--poll-interval"))


def _api_errors() -> tuple[type[BaseException], ...]:
    try:
        from google.api_core.exceptions import GoogleAPICallError, RetryError
    except ImportError:  # pragma: no cover - always installed
        return ()
    return (GoogleAPICallError, RetryError)


def _parse_hyperparameters(values: tuple[str, ...]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            _fail(f"--hyperparameter {item!r}: expected KEY=VALUE")
        try:
            parsed[key] = json.loads(raw)
        except json.JSONDecodeError:
            parsed[key] = raw
    return parsed


# ------------------------------------------------------------------------------------- train


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--target", type=click.Choice(TARGETS), help="Where to train (default: the plan's).")
@click.option("--scale-tier", help="BASIC, BASIC_GPU, BASIC_TPU, STANDARD_1, PREMIUM_1, CUSTOM.")
@click.option("--machine-type", help="A Vertex machine type, e.g. n1-standard-8.")
@click.option("--accelerator", help="TYPE[:COUNT], e.g. NVIDIA_TESLA_T4:1 (with --machine-type).")
@click.option("--region", help="Vertex AI region (default: the plan's).")
@click.option("--staging-bucket", help="gs:// bucket for the package and the job's outputs.")
@click.option("--service-account", help="Service account the job runs as.")
@click.option("--display-name", help="Job and model display name.")
@click.option("--hyperparameter", "-H", "hyperparameters", multiple=True, metavar="KEY=VALUE",
              help="Override one hyperparameter (repeatable).")  # fmt: skip
@click.option("--detach", is_flag=True, help="Submit and return; follow with `liftshift jobs`.")
@click.option("--dry-run", is_flag=True, help="Print the exact requests; send nothing.")
@click.option("--no-register", is_flag=True, help="Do not create a model version.")
@click.option("--deploy", is_flag=True,
              help="Deploy the new version and predict the sample instances.")  # fmt: skip
@click.option("--instances", "instances_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="JSON list of instances for --deploy "
              "(default: sample_instances.json in the project).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--poll-interval", type=float, metavar="SECONDS",
              help="Longest wait between two checks of the job's state.")  # fmt: skip
@trainer_env_option
def train(  # noqa: PLR0917 (one parameter per flag)
    path: Path,
    target: str | None,
    scale_tier: str | None,
    machine_type: str | None,
    accelerator: str | None,
    region: str | None,
    staging_bucket: str | None,
    service_account: str | None,
    display_name: str | None,
    hyperparameters: tuple[str, ...],
    detach: bool,
    dry_run: bool,
    no_register: bool,
    deploy: bool,
    instances_file: Path | None,
    as_json: bool,
    poll_interval: float | None,
) -> None:
    """Package the migrated trainer in PATH and run it as a training job.

    On the local target the package runs in a fresh environment on this machine; on gcp it runs
    as a Vertex AI CustomJob. Without --detach the live state and log are shown, and a
    successful job becomes a new model version.
    """
    from liftshift.foundation.plan import load_plan
    from liftshift.trainer.jobs import TrainOverrides, build_job_spec

    if scale_tier and machine_type:
        _fail("choose --scale-tier or --machine-type, not both")
    project = path.resolve()
    try:
        settings = _with_poll_interval(_settings(project, target, region), poll_interval)
        plan = load_plan(project)
        overrides = TrainOverrides(
            target=settings.target,
            scale_tier=scale_tier,
            machine_type=machine_type,
            accelerator=accelerator,
            region=region,
            staging_bucket=staging_bucket,
            service_account=service_account,
            display_name=display_name,
            hyperparameters=_parse_hyperparameters(hyperparameters),
        )
        spec = build_job_spec(plan, settings, overrides)
        instances = (
            _instances(project, instances_file, "--deploy needs instances to send")
            if deploy
            else None
        )
        if deploy and no_register:
            _fail("--deploy needs the model version that --no-register skips")
        if dry_run:
            _dry_run(spec, settings, as_json)
            return
        _run(
            plan,
            settings,
            overrides,
            detach=detach,
            register=not no_register,
            as_json=as_json,
            instances=instances,
        )
    except _job_failures() as exc:  # the user's job or data failed: 1, like `liftshift run`
        _fail(str(exc), EXIT_FAILED)
    except _bad_input_errors() as exc:
        _fail(str(exc))
    except _api_errors() as exc:
        _fail(_api_message(exc), EXIT_FAILED)


def _job_failures() -> tuple[type[BaseException], ...]:
    """What the user's job or data caused (exit 1): no model artifact, an empty channel, a
    failed prediction."""
    from liftshift.trainer.backends.local import EmptyChannel
    from liftshift.trainer.predict import PredictionError
    from liftshift.trainer.registry.base import MissingArtifact

    return (EmptyChannel, MissingArtifact, PredictionError)


def _api_message(exc: BaseException) -> str:
    from liftshift.foundation.clients import api_error_message

    return api_error_message(exc)


def _dry_run(spec: Any, settings: Any, as_json: bool) -> None:
    from liftshift.trainer.service import dry_run_requests

    requests = dry_run_requests(spec, settings)
    if as_json:
        click.echo(json.dumps(requests, indent=2))
        return
    from liftshift.commands.output import make_console, print_json_block

    console = make_console()
    console.print(f"[bold]Dry run[/] ({settings.target} target): nothing is sent.")
    console.print(f"Machines: {spec.scale_summary()}")
    print_json_block(console, json.dumps(requests, indent=2))


def _run(
    plan: Any,
    settings: Any,
    overrides: Any,
    *,
    detach: bool,
    register: bool,
    as_json: bool,
    instances: list[Any] | None = None,
) -> None:
    from rich.markup import escape
    from rich.text import Text

    from liftshift.commands.output import make_console
    from liftshift.trainer import service
    from liftshift.trainer.backends import get_backend
    from liftshift.trainer.jobs import JobChecked, JobLogLine, JobStateChanged, StepProgress

    console = make_console(stderr=as_json)
    backend = get_backend(settings)
    started = time.monotonic()
    live = _LiveState()

    def report(event: Any) -> None:
        if isinstance(event, StepProgress):
            took = f" ({event.seconds:.1f}s)" if event.seconds else ""
            console.print(
                f"[dim]{event.step}:[/] {escape(event.message)}{took}",
                highlight=False,
                soft_wrap=True,
            )
        elif isinstance(event, JobLogLine):
            console.print(Text("│ ", style="dim") + Text(event.text), soft_wrap=True)
        elif isinstance(event, JobStateChanged):
            live.state = event.state.short
            console.print(f"[bold]state:[/] {event.state.short}", highlight=False)
        elif isinstance(event, JobChecked):
            live.state, live.checked_at = event.state.short, event.checked_at

    try:
        result = service.start_training(plan, settings, overrides, reporter=report, backend=backend)
    except KeyboardInterrupt:
        _fail("interrupted while submitting; see `liftshift jobs list` for a job that may "
              "have started", EXIT_FAILED)  # fmt: skip
    job_id = result.handle.job_id
    console.print(f"[bold]job[/] {job_id}  ({result.spec.scale_summary()})", highlight=False)
    for note in (
        result.spec.distribution_note,
        result.spec.executor_note,
        result.spec.prediction_note,
    ):
        if note:
            console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    if detach:
        _summary(console, result, settings, as_json, detached=True)
        return
    stop = threading.Event()
    with console.status("") as status:
        ticker = threading.Thread(target=_tick, args=(status, live, started, stop), daemon=True)
        ticker.start()
        try:
            service.finish_training(
                result, settings, reporter=report, backend=backend, register=register
            )
        except KeyboardInterrupt:
            status.stop()
            if _ask_cancel(job_id):
                backend.cancel(job_id)
                console.print("cancelling…")
                service.finish_training(
                    result, settings, reporter=report, backend=backend, register=False
                )
            else:
                stop.set()
                _summary(console, result, settings, as_json, detached=True)
                return
        finally:
            stop.set()
    prediction = None
    if instances is not None and result.model_version is not None:
        from liftshift.trainer.predict import predict

        prediction = predict(result.model_version, instances, settings, reporter=report)
    _summary(console, result, settings, as_json, detached=False, prediction=prediction)
    if not result.succeeded:
        sys.exit(EXIT_FAILED)


@dataclass
class _LiveState:
    """What the status line shows, updated from the monitor's events."""

    state: str = "SUBMITTING"
    checked_at: float = 0.0


def _tick(status: Any, live: _LiveState, started: float, stop: threading.Event) -> None:
    from liftshift.trainer.monitor import checked_text

    while not stop.wait(0.5):
        elapsed = _duration(time.monotonic() - started)
        status.update(f"{live.state}  elapsed {elapsed}  ·  {checked_text(live.checked_at)}")


def _ask_cancel(job_id: str) -> bool:
    if not sys.stdin.isatty():
        return False
    answer = click.prompt(
        f"\nStop following {job_id}: [c]ancel the job or [d]etach (it keeps running)?",
        type=click.Choice(["c", "d"]),
        default="d",
    )
    return answer == "c"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def _summary(
    console: Any,
    result: Any,
    settings: Any,
    as_json: bool,
    *,
    detached: bool,
    prediction: Any = None,
) -> None:
    from liftshift.trainer.jobs import logs_command

    job_id = result.handle.job_id
    project_flag = f" --project {settings.project_dir}" if settings.target == "local" else ""
    target_flag = " --target gcp" if settings.target == "gcp" else ""
    follow_cmd = f"liftshift jobs logs {job_id} --follow{project_flag}{target_flag}"
    cancel_cmd = f"liftshift jobs cancel {job_id}{project_flag}{target_flag}"
    state = result.status.state.short if result.status else "RUNNING"
    console_url = result.handle.console_url
    if as_json:
        payload = {
            "job_id": job_id,
            "state": state,
            "error": result.status.error if result.status else "",
            "model_dir": result.status.model_dir if result.status else result.spec.model_dir,
            "model_version": asdict(result.model_version) if result.model_version else None,
            "package_uri": result.package_uri,
            "console_url": console_url,
            "timings": result.timings,
            "prediction": asdict(prediction) if prediction else None,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    if detached:
        console.print(f"Job {job_id} keeps running ({state}).")
    elif result.succeeded:
        console.print(f"[green bold]SUCCEEDED[/] {job_id}", highlight=False)
    else:
        console.print(f"[red bold]{state}[/] {job_id}", highlight=False)
        if result.status and result.status.error:
            console.print(result.status.headline, markup=False, highlight=False, soft_wrap=True)
            console.print(
                f"full log: {logs_command(job_id, settings)}", highlight=False, soft_wrap=True
            )
        console.print("No model version was created.")
    if result.model_version:
        version = result.model_version
        aliases = f" (aliases: {', '.join(version.aliases)})" if version.aliases else ""
        console.print(
            f"Model [bold]{version.model}[/] version [bold]{version.version_id}[/]{aliases}: "
            f"{version.artifact_uri}",
            highlight=False,
            soft_wrap=True,
        )
    if prediction is not None:
        shown = json.dumps(prediction.predictions)
        console.print(f"Predictions ({prediction.endpoint}): {shown}", highlight=False,
                      soft_wrap=True)  # fmt: skip
        if prediction.note:
            console.print(f"Note: {prediction.note}", highlight=False, soft_wrap=True)
    if console_url:
        console.print(f"Console: {console_url}", highlight=False, soft_wrap=True)
    if detached or not (result.status and result.status.state.terminal):
        console.print(
            f"Follow: {follow_cmd}\nCancel: {cancel_cmd}", highlight=False, soft_wrap=True
        )


# -------------------------------------------------------------------------------------- jobs

_project_option = click.option(
    "--project",
    "project",
    default=".",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The project folder (local jobs are recorded in its .liftshift/).",
)
_target_option = click.option("--target", type=click.Choice(TARGETS))


@click.group()
def jobs() -> None:
    """List, follow or cancel training jobs."""


def _backend(project: Path, target: str | None) -> Any:
    from liftshift.trainer.backends import get_backend

    return get_backend(_settings(project.resolve(), target))


def _guard(func: Any) -> Any:
    """Known errors become one line and a non-zero exit, for every jobs/models command."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from liftshift.trainer.backends.local import JobNotFound

        try:
            return func(*args, **kwargs)
        except (JobNotFound, *_bad_input_errors()) as exc:
            _fail(str(exc).strip("'\""))
        except _api_errors() as exc:
            _fail(_api_message(exc), EXIT_FAILED)

    return wrapper


@jobs.command("list")
@_project_option
@_target_option
@click.option("--json", "as_json", is_flag=True)
@_guard
def jobs_list(project: Path, target: str | None, as_json: bool) -> None:
    """Jobs started from this project (local) or in the region (gcp)."""
    statuses = _backend(project, target).list_jobs()
    if as_json:
        click.echo(json.dumps([_status_dict(s) for s in statuses], indent=2))
        return
    from rich.table import Table

    from liftshift.commands.output import make_console

    # The id is what a user copies into `jobs logs/cancel`: its column never wraps or
    # truncates; the dates give way first.
    widest = max((len(status.job_id) for status in statuses), default=3)
    table = Table()
    table.add_column("job", no_wrap=True, min_width=widest)
    table.add_column("state", no_wrap=True)
    table.add_column("started")
    table.add_column("ended")
    for status in statuses:
        table.add_row(status.job_id, status.state.short, _when(status.started), _when(status.ended))
    make_console().print(table)


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else "-"


def _status_dict(status: Any) -> dict[str, Any]:
    data = asdict(status)
    data["state"] = status.state.value
    return data


@jobs.command("status")
@click.argument("job_id")
@_project_option
@_target_option
@click.option("--json", "as_json", is_flag=True)
@_guard
def jobs_status(job_id: str, project: Path, target: str | None, as_json: bool) -> None:
    """Show one job's state (exit 1 when it failed or was cancelled)."""
    status = _backend(project, target).status(job_id)
    if as_json:
        click.echo(json.dumps(_status_dict(status), indent=2))
    else:
        click.echo(f"{status.job_id}: {status.state.short}")
        if status.model_dir:
            click.echo(f"model dir: {status.model_dir}")
        if status.error:
            click.echo(status.error)
    if status.state.terminal and status.state.short != "SUCCEEDED":
        sys.exit(EXIT_FAILED)


@jobs.command("logs")
@click.argument("job_id")
@_project_option
@_target_option
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the job ends.")
@click.option("--poll-interval", type=float, metavar="SECONDS",
              help="Longest wait between two job state checks (--follow).")  # fmt: skip
@_guard
def jobs_logs(
    job_id: str, project: Path, target: str | None, follow: bool, poll_interval: float | None
) -> None:
    """Print a job's log (reattach to a running job with --follow)."""
    from liftshift.trainer import monitor
    from liftshift.trainer.backends import get_backend
    from liftshift.trainer.jobs import JobLogLine, JobStateChanged

    backend = get_backend(_with_poll_interval(_settings(project.resolve(), target), poll_interval))
    if not follow:
        batch = monitor.read_logs(backend, job_id)
        for _, text in batch.lines:
            click.echo(text)
        return

    def report(event: Any) -> None:
        if isinstance(event, JobLogLine):
            click.echo(event.text)
        elif isinstance(event, JobStateChanged):
            click.echo(f"[state] {event.state.short}", err=True)

    try:
        status = monitor.follow(backend, job_id, report)
    except KeyboardInterrupt:
        click.echo(f"\nStopped following; {job_id} keeps running.", err=True)
        return
    if status.state.short != "SUCCEEDED":
        if status.error:
            click.echo(status.error, err=True)
        sys.exit(EXIT_FAILED)


@jobs.command("cancel")
@click.argument("job_id")
@_project_option
@_target_option
@_guard
def jobs_cancel(job_id: str, project: Path, target: str | None) -> None:
    """Ask a running job to stop."""
    status = _backend(project, target).cancel(job_id)
    click.echo(f"{job_id}: {status.state.short}")


# ------------------------------------------------------------------------------------ models


@click.group()
def models() -> None:
    """List models and their versions."""


def _registry(project: Path, target: str | None) -> Any:
    from liftshift.trainer.registry import get_registry

    return get_registry(_settings(project.resolve(), target))


@models.command("list")
@_project_option
@_target_option
@click.option("--json", "as_json", is_flag=True)
@_guard
def models_list(project: Path, target: str | None, as_json: bool) -> None:
    """Every model (its default version)."""
    found = _registry(project, target).list_models()
    _print_versions(found, as_json)


@models.command("versions")
@click.argument("model")
@_project_option
@_target_option
@click.option("--json", "as_json", is_flag=True)
@_guard
def models_versions(model: str, project: Path, target: str | None, as_json: bool) -> None:
    """Every version of MODEL with its aliases."""
    _print_versions(_registry(project, target).list_versions(model), as_json)


@models.command("predict")
@click.argument("model_ref", metavar="NAME[@VERSION]")
@click.option("--instances", "instances_file", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), help="JSON list of instances, or {\"instances\": [...]} "
              "(default: sample_instances.json in the project).")  # fmt: skip
@_project_option
@_target_option
@click.option("--json", "as_json", is_flag=True)
@_guard
def models_predict(
    model_ref: str, instances_file: Path | None, project: Path, target: str | None, as_json: bool
) -> None:
    """Predict INSTANCES with a version of NAME (a version number or alias after @; default:
    the `default` alias). Locally the version's predictor (or artifact) runs in a fresh process
    with no docker; on gcp the version is deployed to an endpoint named after the model."""
    from liftshift.trainer.predict import predict

    settings = _settings(project.resolve(), target)
    version = _pick_version(_registry(project, target).list_versions, model_ref)
    instances = _instances(project.resolve(), instances_file, "no instances to send")
    try:
        prediction = predict(version, instances, settings)
    except _job_failures() as exc:
        _fail(str(exc), EXIT_FAILED)
    if as_json:
        payload = {"model": version.model, "version": version.version_id, **asdict(prediction)}
        click.echo(json.dumps(payload, indent=2))
        return
    if prediction.note:
        click.echo(f"note: {prediction.note}", err=True)
    served = version.predictor or version.serving_container or "artifact"
    click.echo(f"{version.model} version {version.version_id} ({served}):")
    for number, value in enumerate(prediction.predictions, start=1):
        click.echo(f"  #{number}  {json.dumps(value)}")


def _pick_version(list_versions: Any, model_ref: str) -> Any:
    from liftshift.trainer.registry.base import DEFAULT_ALIAS, RegistryError

    name, _, wanted = model_ref.partition("@")
    versions = list_versions(name)
    wanted = wanted or DEFAULT_ALIAS
    for version in versions:
        if wanted == version.version_id or wanted in version.aliases:
            return version
    known = ", ".join(
        f"{v.version_id}" + (f" ({', '.join(v.aliases)})" if v.aliases else "") for v in versions
    )
    raise RegistryError(f"{name} has no version or alias {wanted!r} (versions: {known})")


def _instances(project: Path, instances_file: Path | None, missing: str) -> list[Any]:
    """The instances to predict: ``--instances FILE``, else the project's own file; ``missing``
    opens the one line when there are none."""
    from liftshift.trainer.predict import (
        INSTANCES_FILE,
        PredictionError,
        load_instances,
        project_instances,
    )

    try:
        found = load_instances(instances_file) if instances_file else project_instances(project)
    except PredictionError as exc:
        _fail(str(exc))
    if found is None:
        _fail(f"{missing}: pass --instances FILE or add {project / INSTANCES_FILE}")
    return found


def _print_versions(versions: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([asdict(v) for v in versions], indent=2))
        return
    from rich.table import Table

    from liftshift.commands.output import make_console

    table = Table("model", "version", "aliases", "created")
    table.add_column("artifact", overflow="fold")
    for v in versions:
        table.add_row(v.model, v.version_id, ", ".join(v.aliases), _when(v.created),
                      v.artifact_uri)  # fmt: skip
    make_console().print(table)


# ------------------------------------------------------------------------------------- tiers


@click.command()
@click.option("--json", "as_json", is_flag=True)
def tiers(as_json: bool) -> None:
    """Scale-tier presets and the SageMaker instance-type mapping."""
    from liftshift.foundation.catalog.machines import load_table

    table = load_table()
    if as_json:
        payload = {
            "tiers": {
                name: {
                    "description": tier.description,
                    "pools": [
                        {"role": p.role, "replica_count": p.replica_count, **p.machine.to_api()}
                        for p in tier.pools
                    ],
                }
                for name, tier in table.tiers.items()
            },
            "instance_types": {
                name: {**spec.to_api(), "note": spec.note}
                for name, spec in table.instance_types.items()
            },
            "unmappable": table.unmappable,
        }
        click.echo(json.dumps(payload, indent=2))
        return
    from rich.table import Table

    from liftshift.commands.output import make_console

    console = make_console()
    presets = Table("tier", "pools", "description", title="Scale tiers")
    for name, tier in table.tiers.items():
        pools = "\n".join(f"{p.role}: {p.replica_count} x {p.machine.describe()}"
                          for p in tier.pools) or "--machine-type M --accelerator T:N"  # fmt: skip
        presets.add_row(name, pools, tier.description)
    console.print(presets)
    mapping = Table("SageMaker", "Vertex AI", "note", title="Instance types")
    for name, spec in table.instance_types.items():
        mapping.add_row(name, spec.describe(), spec.note)
    for name, reason in table.unmappable.items():
        mapping.add_row(f"{name}.*", "[red]no equivalent[/]", reason)
    console.print(mapping)
