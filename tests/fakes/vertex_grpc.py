"""The gRPC transport of the Vertex AI and Cloud Logging fake (the transport real users get).

Each gRPC call is transcoded into the REST request it stands for, with the client library's own
HTTP rules (``google.api.http`` annotations, as the gapic REST transports carry them) and
``google.api_core.path_template.transcode``, then answered by the same
:meth:`tests.fakes.vertex.FakeVertex.handle` the REST server calls. One state machine, two
transports: they cannot drift, and tests assert the same recorded bodies on both.

Built like the Storage Transfer fake (DESIGN.md section 6): ``grpc.method_handlers_generic_handler``
with the proto types' ``serialize``/``deserialize``; long-running operations through
``google.longrunning.Operations``. Cloud Logging's ``TailLogEntries`` streams the fake's entries
as they are added and can be dropped mid-way (:attr:`FakeVertex.drop_tail_after`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import grpc
from google.api_core import path_template
from google.cloud.aiplatform_v1.services.endpoint_service.transports.rest_base import (
    _BaseEndpointServiceRestTransport as EndpointRest,
)
from google.cloud.aiplatform_v1.services.job_service.transports.rest_base import (
    _BaseJobServiceRestTransport as JobRest,
)
from google.cloud.aiplatform_v1.services.model_service.transports.rest_base import (
    _BaseModelServiceRestTransport as ModelRest,
)
from google.cloud.aiplatform_v1.services.prediction_service.transports.rest_base import (
    _BasePredictionServiceRestTransport as PredictionRest,
)
from google.cloud.aiplatform_v1.types import custom_job as custom_job_types
from google.cloud.aiplatform_v1.types import (
    endpoint,
    endpoint_service,
    job_service,
    model,
    model_service,
    prediction_service,
)
from google.cloud.logging_v2.types import logging as logging_types
from google.longrunning import operations_pb2
from google.protobuf import empty_pb2, json_format

from tests.fakes.vertex import FakeVertex, StreamDropped

AIPLATFORM = "google.cloud.aiplatform.v1"
LOGGING = "google.logging.v2.LoggingServiceV2"
OPERATIONS = "google.longrunning.Operations"

# Logging's gapic has no REST transport to borrow rules from: these are its google.api.http rules.
LIST_LOG_ENTRIES_HTTP = [{"method": "post", "uri": "/v2/entries:list", "body": "*"}]
GET_OPERATION_HTTP = [{"method": "get", "uri": "/v1/{name=projects/*/locations/*/**}"}]


@dataclass(frozen=True)
class Rpc:
    """One unary method: its message types and the HTTP rule it transcodes to."""

    request: Any
    response: Any
    http_options: list[dict[str, str]]


def _rpcs() -> dict[str, dict[str, Rpc]]:
    js, ms, es, ps = job_service, model_service, endpoint_service, prediction_service
    ops = operations_pb2
    return {
        f"{AIPLATFORM}.JobService": {
            "CreateCustomJob": Rpc(
                js.CreateCustomJobRequest,
                custom_job_types.CustomJob,
                JobRest._BaseCreateCustomJob._get_http_options(),
            ),
            "GetCustomJob": Rpc(
                js.GetCustomJobRequest,
                custom_job_types.CustomJob,
                JobRest._BaseGetCustomJob._get_http_options(),
            ),
            "CancelCustomJob": Rpc(
                js.CancelCustomJobRequest,
                empty_pb2.Empty,
                JobRest._BaseCancelCustomJob._get_http_options(),
            ),
            "ListCustomJobs": Rpc(
                js.ListCustomJobsRequest,
                js.ListCustomJobsResponse,
                JobRest._BaseListCustomJobs._get_http_options(),
            ),
        },
        f"{AIPLATFORM}.ModelService": {
            "UploadModel": Rpc(
                ms.UploadModelRequest, ops.Operation, ModelRest._BaseUploadModel._get_http_options()
            ),
            "GetModel": Rpc(
                ms.GetModelRequest, model.Model, ModelRest._BaseGetModel._get_http_options()
            ),
            "ListModels": Rpc(
                ms.ListModelsRequest,
                ms.ListModelsResponse,
                ModelRest._BaseListModels._get_http_options(),
            ),
            "ListModelVersions": Rpc(
                ms.ListModelVersionsRequest,
                ms.ListModelVersionsResponse,
                ModelRest._BaseListModelVersions._get_http_options(),
            ),
        },
        f"{AIPLATFORM}.EndpointService": {
            "CreateEndpoint": Rpc(
                es.CreateEndpointRequest,
                ops.Operation,
                EndpointRest._BaseCreateEndpoint._get_http_options(),
            ),
            "GetEndpoint": Rpc(
                es.GetEndpointRequest,
                endpoint.Endpoint,
                EndpointRest._BaseGetEndpoint._get_http_options(),
            ),
            "ListEndpoints": Rpc(
                es.ListEndpointsRequest,
                es.ListEndpointsResponse,
                EndpointRest._BaseListEndpoints._get_http_options(),
            ),
            "DeployModel": Rpc(
                es.DeployModelRequest,
                ops.Operation,
                EndpointRest._BaseDeployModel._get_http_options(),
            ),
        },
        f"{AIPLATFORM}.PredictionService": {
            "Predict": Rpc(
                ps.PredictRequest,
                ps.PredictResponse,
                PredictionRest._BasePredict._get_http_options(),
            ),
        },
        OPERATIONS: {
            "GetOperation": Rpc(ops.GetOperationRequest, ops.Operation, GET_OPERATION_HTTP),
        },
        LOGGING: {
            "ListLogEntries": Rpc(
                logging_types.ListLogEntriesRequest,
                logging_types.ListLogEntriesResponse,
                LIST_LOG_ENTRIES_HTTP,
            ),
        },
    }


def _pb(message: Any) -> Any:
    """The raw protobuf message of a proto-plus one (or the message itself)."""
    return type(message).pb(message) if hasattr(type(message), "pb") else message


def _codec(message_type: Any) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    if hasattr(message_type, "deserialize"):
        return message_type.deserialize, message_type.serialize
    return message_type.FromString, message_type.SerializeToString


def transcode(rpc: Rpc, request: Any) -> tuple[str, str, dict[str, list[str]], Any]:
    """The REST request a gRPC request stands for: verb, path, query and JSON body, encoded
    as the gapic REST transports encode them (camelCase, enums as numbers)."""
    pb = _pb(request)
    transcoded = path_template.transcode(rpc.http_options, pb)
    body: Any = {}
    if "body" in transcoded:
        body = json_format.MessageToDict(transcoded["body"], use_integers_for_enums=True)
    query_params = json_format.MessageToDict(
        transcoded["query_params"], use_integers_for_enums=True
    )
    query = {key: [value if isinstance(value, str) else json.dumps(value)]
             for key, value in query_params.items()}  # fmt: skip
    # the REST server sees the path percent-decoded too (``models/1@2``)
    return transcoded["method"].upper(), unquote(transcoded["uri"]), query, body


def _answer(rpc: Rpc, status: int, payload: Any, context: grpc.ServicerContext) -> Any:
    if status != 200:
        details = payload["error"]
        context.abort(grpc.StatusCode[details["status"]], details["message"])
    if rpc.response is empty_pb2.Empty:
        return empty_pb2.Empty()
    if hasattr(rpc.response, "pb"):
        return rpc.response.wrap(
            json_format.ParseDict(payload, rpc.response.pb()(), ignore_unknown_fields=True)
        )
    return json_format.ParseDict(payload, rpc.response(), ignore_unknown_fields=True)


class FakeVertexGrpcServer:
    """Serves a :class:`FakeVertex` over gRPC on a free 127.0.0.1 port (plaintext)."""

    def __init__(self, fake: FakeVertex | None = None) -> None:
        self.fake = fake or FakeVertex()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self.server.add_generic_rpc_handlers(
            tuple(
                grpc.method_handlers_generic_handler(
                    service,
                    {name: self._unary(rpc) for name, rpc in methods.items()}
                    | ({"TailLogEntries": self._tail()} if service == LOGGING else {}),
                )
                for service, methods in _rpcs().items()
            )
        )
        self.fake.port = self.server.add_insecure_port("127.0.0.1:0")
        self.fake.transport = "grpc"
        self._stopped = threading.Event()

    def _unary(self, rpc: Rpc) -> grpc.RpcMethodHandler:
        deserialize, _ = _codec(rpc.request)
        _, serialize = _codec(rpc.response)

        def call(request: Any, context: grpc.ServicerContext) -> Any:
            status, payload = self.fake.handle(*transcode(rpc, request))
            return _answer(rpc, status, payload, context)

        return grpc.unary_unary_rpc_method_handler(
            call, request_deserializer=deserialize, response_serializer=serialize
        )

    def _tail(self) -> grpc.RpcMethodHandler:
        request_type = logging_types.TailLogEntriesRequest
        response_type = logging_types.TailLogEntriesResponse

        def call(requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
            first = next(requests)
            try:
                for entries in self.fake.tail(first.filter, context.is_active, self._stopped):
                    message = response_type.pb()()
                    json_format.ParseDict({"entries": entries}, message, ignore_unknown_fields=True)
                    yield response_type.wrap(message)
            except StreamDropped as exc:
                context.abort(grpc.StatusCode.UNAVAILABLE, str(exc))

        return grpc.stream_stream_rpc_method_handler(
            call,
            request_deserializer=request_type.deserialize,
            response_serializer=response_type.serialize,
        )

    def __enter__(self) -> FakeVertex:
        self.server.start()
        return self.fake

    def __exit__(self, *_exc: object) -> None:
        self._stopped.set()
        self.server.stop(grace=None)
