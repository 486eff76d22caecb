"""Serve one request with a custom prediction routine the way Vertex AI's model server does.

``python -P _serve_cpr.py ARTIFACT_DIR MODULE CLASS`` reads a JSON list of instances on stdin and
prints the response's ``predictions`` as JSON on its last stdout line. It runs in the trainer's
environment (where the version's package is installed) and imports nothing from liftshift: the
SDK's own ``PredictionHandler`` loads the predictor and decodes, predicts and encodes the request
exactly as in the serving image, only without the HTTP server around it.

An isolated trainer environment has only what the trainer declares; the serving image adds the
SDK's prediction server (``google-cloud-aiplatform[prediction]``: fastapi, starlette). Those come
from the folders in ``LIFTSHIFT_SERVING_LIBRARIES`` (liftshift's own site-packages), appended
*after* the trainer's, so the trainer's libraries (its framework version) still win.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from typing import Any

PREDICT_ROUTE = "/predict"


def serve(artifact_dir: str, module: str, class_name: str, instances: list[Any]) -> list[Any]:
    from fastapi import HTTPException
    from google.cloud.aiplatform.prediction.handler import PredictionHandler
    from starlette.requests import Request

    # what Vertex sets in the serving container
    os.environ.update(
        AIP_STORAGE_URI=artifact_dir,
        AIP_HTTP_PORT="8080",
        AIP_PREDICT_ROUTE=PREDICT_ROUTE,
        AIP_HEALTH_ROUTE="/health",
    )
    predictor = getattr(importlib.import_module(module), class_name)
    handler = PredictionHandler(artifact_dir, predictor=predictor)
    body = json.dumps({"instances": instances}).encode("utf-8")
    scope = {
        "type": "http",
        "method": "POST",
        "path": PREDICT_ROUTE,
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"accept", b"application/json")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        response = asyncio.run(handler.handle(Request(scope, receive)))
    except HTTPException as exc:
        raise SystemExit(f"the predictor failed: {exc.detail}") from None
    return json.loads(response.body)["predictions"]


def main() -> None:
    extra = os.environ.get("LIFTSHIFT_SERVING_LIBRARIES")
    if extra:
        sys.path.extend(path for path in json.loads(extra) if path not in sys.path)
    artifact_dir, module, class_name = sys.argv[1:4]
    instances = json.loads(sys.stdin.read())
    print(json.dumps(serve(artifact_dir, module, class_name, instances)))


if __name__ == "__main__":
    main()
