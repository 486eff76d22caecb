"""An in-process fake of the Vertex AI and Cloud Logging APIs, for the real clients.

One state machine (:class:`FakeVertex`), two transports: REST here (the real
``google-cloud-aiplatform`` SDK with ``api_transport="rest"`` and ``google-cloud-logging``'s JSON
API, over HTTP on 127.0.0.1) and gRPC in ``tests/fakes/vertex_grpc.py``, which transcodes each
call with the client library's own HTTP rules into the same :meth:`FakeVertex.handle`, so the two
cannot drift. Every request is recorded, as the REST body it is or would be, so tests assert the
same bodies on both transports. It serves:

- JobService: CreateCustomJob, GetCustomJob (walking a scripted state sequence, FAILED and
  CANCELLED included), CancelCustomJob, ListCustomJobs;
- ModelService: UploadModel as a long-running operation, GetModel (``id@version`` too),
  ListModels (display_name filter), ListModelVersions;
- EndpointService: CreateEndpoint (LRO), GetEndpoint, ListEndpoints, DeployModel (LRO);
  PredictionService: Predict (answers ``predictions[i % len]`` per instance);
- ``google.longrunning.Operations``: GetOperation (done after ``lro_polls`` polls);
- Cloud Logging ``entries:list`` filtered by job id and the timestamp bound in the filter, and
  (gRPC) ``TailLogEntries``, which can be reset mid-way (``drop_tail_after``).

Failures are injected per method with :meth:`FakeVertex.fail_next` (a status for the call) and
:meth:`FakeVertex.fail_operation` (the next long-running operation ends in an error).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

HTTP_STATUS = {"INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "PERMISSION_DENIED": 403,
               "NOT_FOUND": 404, "RESOURCE_EXHAUSTED": 429, "INTERNAL": 500, "UNAVAILABLE": 503,
               "DEADLINE_EXCEEDED": 504}  # fmt: skip
"""google.rpc status name → the HTTP status Google's REST APIs answer it with."""
STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                504: "DEADLINE_EXCEEDED"}  # fmt: skip
GRPC_CODES = {"INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5,
              "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9,
              "INTERNAL": 13, "UNAVAILABLE": 14}  # fmt: skip


def error(status: str, message: str) -> tuple[int, dict[str, Any]]:
    """An error answer as Google's APIs give it: the HTTP status and the ``error`` body."""
    http = HTTP_STATUS[status]
    return http, {"error": {"code": http, "message": message, "status": status}}


class StreamDropped(Exception):
    """The fake resets a stream (the gRPC transport answers UNAVAILABLE)."""


@dataclass
class Recorded:
    name: str
    """The route, e.g. ``create_custom_job`` (the same on both transports)."""
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any


@dataclass
class FakeVertex:
    project: str = "fake-project"
    location: str = "us-central1"
    requests: list[Recorded] = field(default_factory=list)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    job_states: list[str] = field(
        default_factory=lambda: ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"]
    )
    """Each GetCustomJob moves the job one step along this list (the last state sticks)."""
    job_error: str = "The replica workerpool0-0 exited with a non-zero status of 1."
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    """model id → {"displayName", "versions": [model json...]}"""
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    lro_polls: int = 1
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    predictions: list[Any] = field(default_factory=lambda: [0])
    """What Predict answers for every instance."""
    on_job_succeeded: Callable[[dict[str, Any]], None] | None = None
    """Called with the job once it reaches SUCCEEDED: stands in for the trainer's work (e.g.
    writing the model to the job's ``baseOutputDirectory``)."""
    drop_tail_after: int | None = None
    """After this many streamed entries, ``TailLogEntries`` is reset once (UNAVAILABLE)."""
    tail_sent: int = 0
    tail_dropped: threading.Event = field(default_factory=threading.Event)
    failures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    operation_failures: dict[str, tuple[str, str]] = field(default_factory=dict)
    port: int = 0
    transport: str = "rest"
    """Which transport serves this fake: ``rest`` (``http://`` endpoint) or ``grpc``."""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        """What ``settings.gcp.vertex_endpoint``/``logging_endpoint`` take for this transport."""
        if self.transport == "grpc":
            return f"127.0.0.1:{self.port}"
        return f"http://127.0.0.1:{self.port}"

    @property
    def parent(self) -> str:
        return f"projects/{self.project}/locations/{self.location}"

    def fail_next(self, method: str, status: int | str, message: str, *, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` (e.g. ``create_custom_job``) answer with an
        error: an HTTP status (403) or a google.rpc status name (``"UNAVAILABLE"``)."""
        name = status if isinstance(status, str) else STATUS_NAMES[status]
        self.failures[method] = [(name, message)] * times

    def fail_operation(self, method: str, status: str, message: str) -> None:
        """The next long-running operation ``method`` starts ends ``done`` with this error."""
        self.operation_failures[method] = (status, message)

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.name == method]

    def add_log(
        self, job_id: str, text: str, timestamp: float, *, structured: bool = False
    ) -> None:
        """A trainer log line as Vertex writes it (``jsonPayload.message`` when structured)."""
        payload = {"jsonPayload": {"message": text}} if structured else {"textPayload": text}
        self.log_entries.append(
            {
                "logName": f"projects/{self.project}/logs/workerpool0-0",
                "resource": {"type": "ml_job", "labels": {"job_id": job_id}},
                "timestamp": _rfc3339(timestamp),
                "insertId": f"i{len(self.log_entries)}",
                **payload,
            }
        )

    # handlers -------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Any:
        with self._lock:
            name, match = _route(method, path)
            self.requests.append(Recorded(name, method, path, query, body))
            if self.failures.get(name):
                status, message = self.failures[name].pop(0)
                return error(status, message)
            handler = getattr(self, f"_{name}", None)
            if handler is None:
                return error("NOT_FOUND", f"no route {method} {path}")
            return handler(match, query, body)

    def _create_custom_job(self, match: re.Match[str], _q: Any, body: Any) -> Any:
        job_id = str(next(self._ids))
        name = f"{match['parent']}/customJobs/{job_id}"
        job = {
            **body,
            "name": name,
            "state": "JOB_STATE_QUEUED",
            "createTime": _rfc3339(time.time()),
        }
        job["_step"] = -1
        self.jobs[job_id] = job
        return 200, _public(job)

    def _get_custom_job(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        job = self.jobs.get(match["id"])
        if job is None:
            return error("NOT_FOUND", "job not found")
        if job["state"] == "JOB_STATE_CANCELLING":
            job["state"] = "JOB_STATE_CANCELLED"
        elif job["state"] not in ("JOB_STATE_CANCELLED",):
            job["_step"] = min(job["_step"] + 1, len(self.job_states) - 1)
            job["state"] = self.job_states[job["_step"]]
        if job["state"] in ("JOB_STATE_RUNNING",) and "startTime" not in job:
            job["startTime"] = _rfc3339(time.time())
        if job["state"] == "JOB_STATE_FAILED":
            job["error"] = {"code": 3, "message": self.job_error}
        if job["state"] == "JOB_STATE_SUCCEEDED" and "endTime" not in job and self.on_job_succeeded:
            self.on_job_succeeded(_public(job))
        if job["state"] in ("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"):
            job.setdefault("endTime", _rfc3339(time.time()))
        return 200, _public(job)

    def _cancel_custom_job(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        job = self.jobs.get(match["id"])
        if job is None:
            return error("NOT_FOUND", "job not found")
        job["state"] = "JOB_STATE_CANCELLING"
        return 200, {}

    def _list_custom_jobs(self, _m: Any, _q: Any, _b: Any) -> Any:
        return 200, {"customJobs": [_public(j) for j in self.jobs.values()]}

    def _upload_model(self, match: re.Match[str], _q: Any, body: Any) -> Any:
        model = dict(body["model"])
        parent_model = body.get("parentModel", "")
        if parent_model:
            model_id = parent_model.rsplit("/", 1)[-1]
            if model_id not in self.models:
                return error("NOT_FOUND", "parent model not found")
        else:
            model_id = str(next(self._ids))
            self.models[model_id] = {"displayName": model["displayName"], "versions": []}
        entry = self.models[model_id]
        version = str(len(entry["versions"]) + 1)
        aliases = list(model.get("versionAliases", []))
        if version == "1" and "default" not in aliases:
            aliases.insert(0, "default")
        if version != "1" and "default" in aliases:  # the alias moves to this version
            for old in entry["versions"]:
                old["versionAliases"] = [a for a in old["versionAliases"] if a != "default"]
        name = f"{match['parent']}/models/{model_id}"
        stored = {
            **model,
            "name": name,
            "versionId": version,
            "versionAliases": aliases,
            "versionCreateTime": _rfc3339(time.time()),
            # prebuilt-container models deploy on dedicated machines, as on Vertex
            "supportedDeploymentResourcesTypes": ["DEDICATED_RESOURCES"],
            "createTime": _rfc3339(time.time()),
        }
        entry["versions"].append(stored)
        op_name = f"{match['parent']}/operations/{next(self._ids)}"
        response = {
            "@type": "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelResponse",
            "model": name,
            "modelVersionId": version,
        }
        self.operations[op_name] = {
            "polls": 0,
            "response": response,
            "error": self.operation_failures.pop("upload_model", None),
        }
        return 200, {"name": op_name, "done": False}

    def _get_operation(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        name = match["name"]
        op = self.operations[name]
        op["polls"] += 1
        if op["polls"] < self.lro_polls:
            return 200, {"name": name, "done": False}
        if op["error"]:
            status, message = op["error"]
            return 200, {
                "name": name,
                "done": True,
                "error": {"code": GRPC_CODES[status], "message": message},
            }
        return 200, {"name": name, "done": True, "response": op["response"]}

    def _get_model(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        model_id, _, version = match["id"].partition("@")
        entry = self.models.get(model_id)
        if entry is None:
            return error("NOT_FOUND", "model not found")
        versions = entry["versions"]
        if version and not version.isdigit():
            chosen = [v for v in versions if version in v["versionAliases"]]
        elif version:
            chosen = [v for v in versions if v["versionId"] == version]
        else:
            chosen = [v for v in versions if "default" in v["versionAliases"]] or versions[-1:]
        if not chosen:
            return error("NOT_FOUND", "version not found")
        return 200, chosen[0]

    def _list_models(self, _m: Any, query: dict[str, list[str]], _b: Any) -> Any:
        wanted = ""
        found = re.search(r'display_name\s*=\s*"([^"]*)"', query.get("filter", [""])[0])
        if found:
            wanted = found.group(1)
        out = []
        for entry in self.models.values():
            if wanted and entry["displayName"] != wanted:
                continue
            default = [v for v in entry["versions"] if "default" in v["versionAliases"]]
            out.append((default or entry["versions"][-1:])[0])
        return 200, {"models": out}

    def _list_model_versions(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        entry = self.models.get(match["id"])
        if entry is None:
            return error("NOT_FOUND", "model not found")
        return 200, {"models": entry["versions"]}

    def _lro(
        self, method: str, parent: str, response: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        op_name = f"{parent}/operations/{next(self._ids)}"
        failure = self.operation_failures.pop(method, None)
        self.operations[op_name] = {"polls": 0, "response": response, "error": failure}
        return 200, {"name": op_name, "done": False}

    def _create_endpoint(self, match: re.Match[str], _q: Any, body: Any) -> Any:
        endpoint_id = str(next(self._ids))
        name = f"{match['parent']}/endpoints/{endpoint_id}"
        self.endpoints[endpoint_id] = {**body, "name": name, "deployedModels": []}
        response = {
            "@type": "type.googleapis.com/google.cloud.aiplatform.v1.Endpoint",
            **self.endpoints[endpoint_id],
        }
        return self._lro("create_endpoint", match["parent"], response)

    def _get_endpoint(self, match: re.Match[str], _q: Any, _b: Any) -> Any:
        endpoint = self.endpoints.get(match["id"])
        if endpoint is None:
            return error("NOT_FOUND", "no endpoint")
        return 200, endpoint

    def _list_endpoints(self, _m: Any, query: dict[str, list[str]], _b: Any) -> Any:
        found = re.search(r'display_name\s*=\s*"([^"]*)"', query.get("filter", [""])[0])
        out = [
            e for e in self.endpoints.values()
            if not found or e.get("displayName") == found.group(1)
        ]  # fmt: skip
        return 200, {"endpoints": out}

    def _deploy_model(self, match: re.Match[str], _q: Any, body: Any) -> Any:
        endpoint = self.endpoints[match["id"]]
        deployed = {**body["deployedModel"], "id": str(next(self._ids))}
        model, _, version = deployed["model"].partition("@")  # Vertex splits name and version
        deployed.update(model=model, modelVersionId=version or "1")
        endpoint["deployedModels"].append(deployed)
        endpoint["trafficSplit"] = {deployed["id"]: 100}
        response = {
            "@type": "type.googleapis.com/google.cloud.aiplatform.v1.DeployModelResponse",
            "deployedModel": deployed,
        }
        parent = endpoint["name"].rsplit("/endpoints/", 1)[0]
        return self._lro("deploy_model", parent, response)

    def _predict(self, match: re.Match[str], _q: Any, body: Any) -> Any:
        endpoint = self.endpoints[match["id"]]
        if not endpoint["deployedModels"]:
            return error("FAILED_PRECONDITION", "no model deployed")
        instances = body.get("instances", [])
        answers = [self.predictions[i % len(self.predictions)] for i in range(len(instances))]
        return 200, {
            "predictions": answers,
            "deployedModelId": endpoint["deployedModels"][-1]["id"],
        }

    def _list_log_entries(self, _m: Any, _q: Any, body: Any) -> Any:
        selected = self._select_logs(body.get("filter", ""), self.log_entries)
        if "desc" in body.get("orderBy", "").lower():
            selected.reverse()
        return 200, {"entries": selected}

    def _select_logs(self, text: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries a Cloud Logging filter selects (job id and timestamp bound)."""
        if 'resource.type="ml_job"' not in text.replace(" ", ""):
            return []
        job = re.search(r'resource\.labels\.job_id\s*=\s*"([^"]+)"', text)
        bound = re.search(r'timestamp\s*(>=|>)\s*"([^"]+)"', text)
        selected = []
        for entry in entries:
            if job and entry["resource"]["labels"]["job_id"] != job.group(1):
                continue
            if bound:
                op, stamp = bound.groups()
                if (entry["timestamp"] < stamp) or (op == ">" and entry["timestamp"] == stamp):
                    continue
            selected.append(entry)
        return selected

    def tail(
        self, text: str, active: Callable[[], bool], stopped: threading.Event
    ) -> Iterator[list[dict[str, Any]]]:
        """``TailLogEntries``: the entries the filter selects, then new ones as they are added,
        one per message, until the caller goes away. After ``drop_tail_after`` entries the
        stream is reset once (``tail_dropped`` is set), as a flaky network would."""
        self.requests.append(Recorded("tail_log_entries", "STREAM", "", {}, {"filter": text}))
        index = 0
        while active() and not stopped.is_set():
            with self._lock:
                new, index = self.log_entries[index:], len(self.log_entries)
            for entry in self._select_logs(text, new):
                if self.drop_tail_after is not None and self.tail_sent >= self.drop_tail_after:
                    self.drop_tail_after = None
                    self.tail_dropped.set()
                    raise StreamDropped("the tail stream was reset")
                self.tail_sent += 1
                yield [entry]
            stopped.wait(0.01)  # the server side of a stream: wait for the next entry


_LOC = r"projects/[^/]+/locations/[^/]+"
ROUTES: list[tuple[str, str, re.Pattern[str]]] = [
    (name, method, re.compile(pattern))
    for name, method, pattern in [
        ("create_custom_job", "POST", rf"^/v1/(?P<parent>{_LOC})/customJobs$"),
        ("cancel_custom_job", "POST", rf"^/v1/{_LOC}/customJobs/(?P<id>[^/:]+):cancel$"),
        ("get_custom_job", "GET", rf"^/v1/{_LOC}/customJobs/(?P<id>[^/:]+)$"),
        ("list_custom_jobs", "GET", rf"^/v1/{_LOC}/customJobs$"),
        ("upload_model", "POST", rf"^/v1/(?P<parent>{_LOC})/models:upload$"),
        ("list_model_versions", "GET", rf"^/v1/{_LOC}/models/(?P<id>[^/:@]+):listVersions$"),
        ("get_model", "GET", rf"^/v1/{_LOC}/models/(?P<id>[^/:]+)$"),
        ("list_models", "GET", rf"^/v1/{_LOC}/models$"),
        (
            "get_operation",
            "GET",
            rf"^/(?:v1|ui)/(?P<name>{_LOC}/(?:models/[^/]+/)?operations/[^/]+)$",
        ),
        ("create_endpoint", "POST", rf"^/v1/(?P<parent>{_LOC})/endpoints$"),
        ("list_endpoints", "GET", rf"^/v1/{_LOC}/endpoints$"),
        ("get_endpoint", "GET", rf"^/v1/{_LOC}/endpoints/(?P<id>[^/:]+)$"),
        ("deploy_model", "POST", rf"^/v1/{_LOC}/endpoints/(?P<id>[^/:]+):deployModel$"),
        ("predict", "POST", rf"^/v1/{_LOC}/endpoints/(?P<id>[^/:]+):predict$"),
        ("list_log_entries", "POST", r"^/v2/entries:list$"),
    ]
]


def _route(method: str, path: str) -> tuple[str, Any]:
    for name, verb, pattern in ROUTES:
        match = pattern.match(path)
        if verb == method and match:
            return name, match
    return "unknown", None


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def _rfc3339(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + f".{int(stamp % 1 * 1e6):06d}Z"


def _handler_for(fake: FakeVertex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw.strip() else {}
            status, payload = fake.handle(method, unquote(parts.path), parse_qs(parts.query), body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *_args: Any) -> None:  # keep test output clean
            pass

    return Handler


class FakeVertexServer:
    """Runs a :class:`FakeVertex` on a free 127.0.0.1 port in a daemon thread."""

    def __init__(self, fake: FakeVertex | None = None) -> None:
        self.fake = fake or FakeVertex()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.fake))
        self.fake.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeVertex:
        self.thread.start()
        return self.fake

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


VERTEX_TRANSPORTS = ("grpc", "rest")


@pytest.fixture(params=VERTEX_TRANSPORTS)
def vertex_transport(request: pytest.FixtureRequest) -> str:
    """Every Vertex and Cloud Logging test runs on gRPC (what users get) and on REST."""
    return request.param


@contextmanager
def serve_fake_vertex(transport: str) -> Iterator[FakeVertex]:
    """A fresh :class:`FakeVertex` served over ``transport`` (``grpc`` or ``rest``)."""
    if transport == "grpc":
        from tests.fakes.vertex_grpc import FakeVertexGrpcServer

        with FakeVertexGrpcServer() as fake:
            yield fake
        return
    with FakeVertexServer() as fake:
        yield fake


@pytest.fixture
def fake_vertex(vertex_transport: str) -> Iterator[FakeVertex]:
    with serve_fake_vertex(vertex_transport) as fake:
        yield fake
