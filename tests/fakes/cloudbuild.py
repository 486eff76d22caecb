"""An in-process fake of Cloud Build's REST API (v1): ``builds.create`` and operation polling.

Enough for the serving image build (``liftshift.trainer.serving.build_image``) to run through
google-auth's ``AuthorizedSession`` as it does against the real service: the create call returns
a running long-running operation whose metadata holds the build; the operation is done on the
first poll (after ``running_polls`` more, when set). It records every request; it does not run
docker (the test reads the build source from fake-gcs-server instead). A build can be made to
fail with ``fail_with``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class FakeCloudBuild:
    port: int = 0
    builds: list[dict[str, Any]] = field(default_factory=list)
    polls: int = 0
    running_polls: int = 0
    """Polls that still find the build running, before the one that finds it done."""
    fail_with: str = ""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        create = re.fullmatch(r"/v1/projects/([^/]+)/builds", path)
        if method == "POST" and create:
            if not body.get("images") or not body.get("source", {}).get("storageSource"):
                return 400, {"error": {"code": 400, "message": "images and source are required"}}
            build_id = str(next(self._ids))
            build = {**body, "id": build_id, "logUrl": f"https://console/build/{build_id}"}
            self.builds.append(build)
            name = f"operations/build/{create[1]}/{build_id}"
            return 200, {"name": name, "done": False, "metadata": {"build": build}}
        if method == "GET" and path.startswith("/v1/operations/build/"):
            self.polls += 1
            if self.polls <= self.running_polls:
                return 200, {"name": path.removeprefix("/v1/"), "done": False}
            done: dict[str, Any] = {"name": path.removeprefix("/v1/"), "done": True}
            if self.fail_with:
                done["error"] = {"code": 2, "message": self.fail_with}
            return 200, done
        return 404, {"error": {"code": 404, "message": f"no route {method} {path}"}}


def _handler_for(fake: FakeCloudBuild) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            status, payload = fake.handle(method, self.path, json.loads(raw) if raw else {})
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

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def fake_cloudbuild() -> Iterator[FakeCloudBuild]:
    fake = FakeCloudBuild()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    fake.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()
