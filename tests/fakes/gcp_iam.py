"""In-process fakes of the IAM admin, Resource Manager and Cloud Storage bucket-IAM APIs.

The real clients talk to them: ``google-cloud-iam`` and ``google-cloud-resource-manager`` over
gRPC (``grpc.method_handlers_generic_handler`` with the request types' own (de)serialisers,
like the Storage Transfer fake), ``google-cloud-storage`` over its JSON API
(``GET``/``PUT /storage/v1/b/<bucket>/iam``). Policies keep an etag that changes on every
write, and a write with a stale etag fails as the real services do. Every call is recorded in
``requests`` as ``(method, resource, body)`` for exact assertions.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import grpc
import pytest
from google.cloud import iam_admin_v1
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import json_format

IAM = "google.iam.admin.v1.IAM"
PROJECTS = "google.cloud.resourcemanager.v3.Projects"


@dataclass
class FakeGcpIam:
    project: str = "acme-ml"
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """e-mail → {"name", "email", "displayName", "description"}"""
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """resource (``projects/p``, ``projects/p/serviceAccounts/e``, ``b/<bucket>``) → policy
    JSON ``{"version", "etag", "bindings": [{"role", "members", "condition"?}]}``"""
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_account_unknown: int = 0
    """The next N policy writes naming a service account answer "does not exist" (eventual
    consistency of a new account on the real service)."""
    grpc_endpoint: str = ""
    storage_endpoint: str = ""
    storage_upstream: str = ""
    """A real GCS emulator (fake-gcs-server) that every non-IAM storage request is forwarded
    to, so one storage endpoint serves both the data and the bucket policies (``run``)."""
    _etags: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str) -> list[tuple[str, str, Any]]:
        return [request for request in self.requests if request[0] == method]

    def writes(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] in {"CreateServiceAccount", "SetIamPolicy"}]

    def policy(self, resource: str) -> dict[str, Any]:
        return self.policies.setdefault(
            resource, {"version": 1, "etag": self._etag(), "bindings": []}
        )

    def _etag(self) -> str:
        """Base64, as both APIs carry it (the gRPC policy's etag is bytes)."""
        return base64.b64encode(f"etag-{next(self._etags)}".encode()).decode()

    # --- shared policy logic -------------------------------------------------------------
    def get_policy(self, resource: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.policy(resource))

    def set_policy(self, resource: str, policy: dict[str, Any]) -> tuple[int, str] | dict:
        """The stored policy, or (HTTP-ish status, message) on a stale etag / unknown member."""
        with self._lock:
            current = self.policy(resource)
            if policy.get("etag") and policy["etag"] != current["etag"]:
                return 409, "etag mismatch: the policy changed since it was read"
            members = {m for b in policy.get("bindings", []) for m in b.get("members", [])}
            for member in members:
                email = member.removeprefix("serviceAccount:")
                if member.startswith("serviceAccount:") and self.fail_account_unknown:
                    self.fail_account_unknown -= 1
                    return 400, f"Service account {email} does not exist."
            stored = {
                "version": policy.get("version", 1),
                "etag": self._etag(),
                "bindings": policy.get("bindings", []),
            }
            self.policies[resource] = stored
            return copy.deepcopy(stored)

    # --- gRPC ----------------------------------------------------------------------------
    def _grpc_get_account(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("GetServiceAccount", request.name, None))
        email = request.name.rsplit("/", 1)[-1]
        if email not in self.accounts:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Unknown service account {email}")
        return iam_admin_v1.ServiceAccount(**_account_fields(self.accounts[email]))

    def _grpc_create_account(self, request: Any, context: grpc.ServicerContext) -> Any:
        body = type(request).to_dict(request)
        self.requests.append(("CreateServiceAccount", request.name, body))
        project = request.name.removeprefix("projects/")
        email = f"{request.account_id}@{project}.iam.gserviceaccount.com"
        if email in self.accounts:
            context.abort(grpc.StatusCode.ALREADY_EXISTS, f"{email} already exists")
        self.accounts[email] = {
            "name": f"projects/{project}/serviceAccounts/{email}",
            "email": email,
            "display_name": request.service_account.display_name,
            "description": request.service_account.description,
        }
        return iam_admin_v1.ServiceAccount(**_account_fields(self.accounts[email]))

    def _grpc_get_policy(self, method: str) -> Any:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            self.requests.append((method, request.resource, None))
            if "/serviceAccounts/" in request.resource:
                email = request.resource.rsplit("/", 1)[-1]
                if email not in self.accounts:
                    context.abort(grpc.StatusCode.NOT_FOUND, f"Unknown service account {email}")
            return json_format.ParseDict(self.get_policy(request.resource), policy_pb2.Policy())

        return call

    def _grpc_set_policy(self, method: str) -> Any:
        def call(request: Any, context: grpc.ServicerContext) -> Any:
            policy = json_format.MessageToDict(request.policy)
            self.requests.append((method, request.resource, policy))
            stored = self.set_policy(request.resource, policy)
            if isinstance(stored, tuple):
                code = (
                    grpc.StatusCode.ABORTED
                    if stored[0] == 409
                    else grpc.StatusCode.INVALID_ARGUMENT
                )
                context.abort(code, stored[1])
            return json_format.ParseDict(stored, policy_pb2.Policy())

        return call

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))

        def unary(function: Any, request_type: Any, response_type: Any) -> Any:
            deserialize = getattr(request_type, "deserialize", None) or request_type.FromString
            serialize = getattr(response_type, "serialize", None) or (
                lambda message: message.SerializeToString()
            )
            return grpc.unary_unary_rpc_method_handler(
                function, request_deserializer=deserialize, response_serializer=serialize
            )

        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    IAM,
                    {
                        "GetServiceAccount": unary(
                            self._grpc_get_account,
                            iam_admin_v1.GetServiceAccountRequest,
                            iam_admin_v1.ServiceAccount,
                        ),
                        "CreateServiceAccount": unary(
                            self._grpc_create_account,
                            iam_admin_v1.CreateServiceAccountRequest,
                            iam_admin_v1.ServiceAccount,
                        ),
                        "GetIamPolicy": unary(
                            self._grpc_get_policy("GetIamPolicy"),
                            iam_policy_pb2.GetIamPolicyRequest,
                            policy_pb2.Policy,
                        ),
                        "SetIamPolicy": unary(
                            self._grpc_set_policy("SetIamPolicy"),
                            iam_policy_pb2.SetIamPolicyRequest,
                            policy_pb2.Policy,
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    PROJECTS,
                    {
                        "GetIamPolicy": unary(
                            self._grpc_get_policy("GetIamPolicy"),
                            iam_policy_pb2.GetIamPolicyRequest,
                            policy_pb2.Policy,
                        ),
                        "SetIamPolicy": unary(
                            self._grpc_set_policy("SetIamPolicy"),
                            iam_policy_pb2.SetIamPolicyRequest,
                            policy_pb2.Policy,
                        ),
                    },
                ),
            )
        )
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._grpc = server
        self.grpc_endpoint = f"127.0.0.1:{port}"
        http = ThreadingHTTPServer(("127.0.0.1", 0), _storage_handler(self))
        threading.Thread(target=http.serve_forever, daemon=True).start()
        self._http = http
        self.storage_endpoint = f"http://127.0.0.1:{http.server_address[1]}"

    def stop(self) -> None:
        self._grpc.stop(grace=None)
        self._http.shutdown()
        self._http.server_close()


def _account_fields(account: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": account["name"],
        "email": account["email"],
        "display_name": account["display_name"],
        "description": account["description"],
    }


def _storage_handler(fake: FakeGcpIam) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _bucket(self) -> tuple[str | None, dict[str, list[str]]]:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            prefix, suffix = "/storage/v1/b/", "/iam"
            if not (path.startswith(prefix) and path.endswith(suffix)):
                return None, {}
            return path[len(prefix) : -len(suffix)], parse_qs(parts.query)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _forward(self) -> bool:
            """Pass a non-IAM request to ``fake.storage_upstream``; False when there is none."""
            if not fake.storage_upstream:
                return False
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            request = urllib.request.Request(
                fake.storage_upstream + self.path, data=body, headers=headers, method=self.command
            )
            try:
                response = urllib.request.urlopen(request, timeout=30)
            except urllib.error.HTTPError as exc:
                response = exc
            data = response.read()
            self.send_response(response.status)
            for key, value in response.headers.items():
                if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return True

        def do_POST(self) -> None:
            if not self._forward():
                self._answer(404, {"error": {"code": 404, "message": "not found"}})

        do_DELETE = do_PATCH = do_POST

        def do_GET(self) -> None:
            bucket, query = self._bucket()
            if bucket is None:
                if not self._forward():
                    self._answer(404, {"error": {"code": 404, "message": "not found"}})
                return
            fake.requests.append(("GetIamPolicy", f"b/{bucket}", query))
            self._answer(200, {"kind": "storage#policy", **fake.get_policy(f"b/{bucket}")})

        def do_PUT(self) -> None:
            bucket, _ = self._bucket()
            length = int(self.headers.get("Content-Length") or 0)
            if bucket is None:
                if not self._forward():
                    self._answer(404, {"error": {"code": 404, "message": "not found"}})
                return
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(("SetIamPolicy", f"b/{bucket}", body))
            stored = fake.set_policy(f"b/{bucket}", body)
            if isinstance(stored, tuple):
                self._answer(stored[0], {"error": {"code": stored[0], "message": stored[1]}})
                return
            self._answer(200, {"kind": "storage#policy", **stored})

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def fake_gcp_iam() -> Iterator[FakeGcpIam]:
    fake = FakeGcpIam()
    fake.start()
    yield fake
    fake.stop()
