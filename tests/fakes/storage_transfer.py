"""An in-process fake of the Storage Transfer API, spoken to by the real client over gRPC.

Like the Vertex fake (DESIGN.md section 6): ``grpc.method_handlers_generic_handler`` plus the
proto types' ``serialize``/``deserialize``, and ``google.longrunning.Operations`` for the
operation the client polls. ``RunTransferJob`` really copies: a background thread reads the
job's S3 prefix from the S3 emulator and writes the GCS emulator, updating the operation's
``TransferCounters`` as it goes, so the engine's progress, cancellation and reconciliation are
exercised against real data. Every request is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.cloud import storage_transfer
from google.longrunning import operations_pb2
from google.protobuf import any_pb2, empty_pb2

from liftshift.foundation.clients import gcs_client, s3_client
from liftshift.foundation.settings import Settings

SERVICE = "google.storagetransfer.v1.StorageTransferService"
OPERATIONS = "google.longrunning.Operations"


@dataclass
class _Run:
    name: str
    meta: storage_transfer.TransferOperation
    done: bool = False
    error: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)


class FakeStorageTransfer:
    """Start with :meth:`start`; ``endpoint`` is ``127.0.0.1:PORT`` for settings."""

    def __init__(self, settings: Settings, *, delay_per_object: float = 0.0) -> None:
        self.settings = settings
        self.delay_per_object = delay_per_object
        self.requests: list[tuple[str, Any]] = []
        self.jobs: dict[str, storage_transfer.TransferJob] = {}
        self.runs: dict[str, _Run] = {}
        self.fail_keys: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self.endpoint = ""

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))

        def unary(
            handler: Callable[[Any], Any], request_type: Any, response_type: Any
        ) -> grpc.RpcMethodHandler:
            def call(request: Any, context: grpc.ServicerContext) -> Any:
                return handler(request, context)

            return grpc.unary_unary_rpc_method_handler(
                call,
                request_deserializer=request_type.deserialize
                if hasattr(request_type, "deserialize")
                else request_type.FromString,
                response_serializer=response_type.serialize
                if hasattr(response_type, "serialize")
                else response_type.SerializeToString,
            )

        st = storage_transfer
        server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    SERVICE,
                    {
                        "CreateTransferJob": unary(
                            self._create, st.CreateTransferJobRequest, st.TransferJob
                        ),
                        "GetTransferJob": unary(
                            self._get_job, st.GetTransferJobRequest, st.TransferJob
                        ),
                        "RunTransferJob": unary(
                            self._run, st.RunTransferJobRequest, operations_pb2.Operation
                        ),
                        "GetGoogleServiceAccount": unary(
                            self._service_account,
                            st.GetGoogleServiceAccountRequest,
                            st.GoogleServiceAccount,
                        ),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    OPERATIONS,
                    {
                        "GetOperation": unary(
                            self._get_operation,
                            operations_pb2.GetOperationRequest,
                            operations_pb2.Operation,
                        ),
                        "CancelOperation": unary(
                            self._cancel_operation,
                            operations_pb2.CancelOperationRequest,
                            empty_pb2.Empty,
                        ),
                    },
                ),
            )
        )
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server = server
        self.endpoint = f"127.0.0.1:{port}"
        return self.endpoint

    def stop(self) -> None:
        for run in self.runs.values():
            run.cancel.set()
        if self._server is not None:
            self._server.stop(grace=None)

    # --- StorageTransferService ----------------------------------------------------------
    SUBJECT_ID = "109876543210987654321"

    def _service_account(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The project's transfer service account (what an AWS role trusts by subject id)."""
        self.requests.append(("GetGoogleServiceAccount", request))
        return storage_transfer.GoogleServiceAccount(
            account_email="project-123@storage-transfer-service.iam.gserviceaccount.com",
            subject_id=self.SUBJECT_ID,
        )

    def _create(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("CreateTransferJob", request))
        job = storage_transfer.TransferJob(request.transfer_job)
        spec = job.transfer_spec
        if not job.project_id or not spec.aws_s3_data_source.bucket_name:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "project_id and a source are required")
        for path in (spec.aws_s3_data_source.path, spec.gcs_data_sink.path):
            if path and not path.endswith("/"):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"path {path!r} must end with /")
        job.name = f"transferJobs/liftshift-{next(self._ids)}"
        self.jobs[job.name] = job
        return job

    def _get_job(self, request: Any, context: grpc.ServicerContext) -> Any:
        job = self.jobs.get(request.job_name)
        if job is None:
            context.abort(grpc.StatusCode.NOT_FOUND, request.job_name)
        return job

    def _run(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("RunTransferJob", request))
        job = self.jobs.get(request.job_name)
        if job is None:
            context.abort(grpc.StatusCode.NOT_FOUND, request.job_name)
        name = f"transferOperations/{request.job_name.split('/')[-1]}-{next(self._ids)}"
        meta = storage_transfer.TransferOperation(
            name=name,
            project_id=job.project_id,
            transfer_spec=job.transfer_spec,
            transfer_job_name=job.name,
            status=storage_transfer.TransferOperation.Status.IN_PROGRESS,
        )
        run = _Run(name, meta)
        self.runs[name] = run
        threading.Thread(target=self._transfer, args=(run, job), daemon=True).start()
        return self._operation(run)

    # --- Operations ----------------------------------------------------------------------
    def _get_operation(self, request: Any, context: grpc.ServicerContext) -> Any:
        run = self.runs.get(request.name)
        if run is None:
            context.abort(grpc.StatusCode.NOT_FOUND, request.name)
        return self._operation(run)

    def _cancel_operation(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests.append(("CancelOperation", request))
        run = self.runs.get(request.name)
        if run is not None:
            run.cancel.set()
        return empty_pb2.Empty()

    def _operation(self, run: _Run) -> operations_pb2.Operation:
        with self._lock:
            metadata = any_pb2.Any()
            metadata.Pack(storage_transfer.TransferOperation.pb(run.meta))
            operation = operations_pb2.Operation(name=run.name, metadata=metadata, done=run.done)
            if run.done and run.error:
                operation.error.code = 13
                operation.error.message = run.error
            elif run.done:
                operation.response.Pack(empty_pb2.Empty())
        return operation

    # --- the transfer itself ---------------------------------------------------------------
    def _transfer(self, run: _Run, job: storage_transfer.TransferJob) -> None:
        source = job.transfer_spec.aws_s3_data_source
        sink = job.transfer_spec.gcs_data_sink
        s3 = s3_client(self.settings)
        bucket = gcs_client(self.settings).bucket(sink.bucket_name)
        counters = run.meta.counters
        try:
            listed = [
                item
                for page in s3.get_paginator("list_objects_v2").paginate(
                    Bucket=source.bucket_name, Prefix=source.path
                )
                for item in page.get("Contents", [])
                if _included(item["Key"][len(source.path) :], job.transfer_spec.object_conditions)
            ]
            with self._lock:
                counters.objects_found_from_source = len(listed)
                counters.bytes_found_from_source = sum(int(i["Size"]) for i in listed)
            failures = storage_transfer.ErrorSummary(
                error_code=storage_transfer.ErrorSummary().error_code
            )
            for item in listed:
                if run.cancel.is_set():
                    with self._lock:
                        run.meta.status = storage_transfer.TransferOperation.Status.ABORTED
                        run.done, run.error = True, "cancelled"
                    return
                key = item["Key"]
                if key in self.fail_keys:
                    failures.error_count += 1
                    failures.error_log_entries.append(
                        storage_transfer.ErrorLogEntry(
                            url=f"s3://{source.bucket_name}/{key}", error_details=["access denied"]
                        )
                    )
                    with self._lock:
                        counters.objects_from_source_failed += 1
                        counters.bytes_from_source_failed += int(item["Size"])
                    continue
                body = s3.get_object(Bucket=source.bucket_name, Key=key)["Body"].read()
                bucket.blob(sink.path + key[len(source.path) :]).upload_from_string(body)
                time.sleep(self.delay_per_object)
                with self._lock:
                    counters.objects_copied_to_sink += 1
                    counters.bytes_copied_to_sink += len(body)
            with self._lock:
                if failures.error_count:
                    failures.error_code = 7  # PERMISSION_DENIED
                    run.meta.error_breakdowns.append(failures)
                    run.meta.status = storage_transfer.TransferOperation.Status.FAILED
                    run.error = f"{failures.error_count} object(s) failed"
                else:
                    run.meta.status = storage_transfer.TransferOperation.Status.SUCCESS
                run.done = True
        except Exception as exc:  # surface a fake's own failure as a failed operation
            with self._lock:
                run.done, run.error = True, f"{type(exc).__name__}: {exc}"


def _included(relative: str, conditions: storage_transfer.ObjectConditions) -> bool:
    """``include_prefixes`` as STS applies them: relative to the source path."""
    prefixes = list(conditions.include_prefixes)
    return not prefixes or any(relative.startswith(prefix) for prefix in prefixes)
