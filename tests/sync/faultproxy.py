"""A small HTTP proxy that injects throttling, 5xx and dropped connections in front of an
emulator, so retries are tested against real failures on the wire.

Faults happen *before* forwarding (as a throttling front end would do them), so the upstream
never half-applies a request. ``Location`` headers are rewritten to point back at the proxy so
resumable-upload chunks go through it too.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class FaultProxy:
    """``FaultProxy(upstream, schedule)``; ``schedule(n, request)`` (``request`` is
    ``"METHOD /path?query"``) returns ``None`` (forward),
    an HTTP status to answer with, ``"drop"`` to close the connection without answering, or a
    fault on the upstream's answer: ``"cut"`` (headers promise the whole body, half of it is
    sent, then the connection closes) or ``"corrupt"`` (one body byte flipped)."""

    def __init__(self, upstream: str, schedule: object) -> None:
        self.upstream = upstream.rstrip("/")
        self.schedule = schedule
        self.faults: Counter[str] = Counter()
        self.requests = 0
        self._count = itertools.count(1)
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                return

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            parts = urlsplit(self.upstream)
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            self._local.conn = conn
        return conn

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        number = next(self._count)
        self.requests += 1
        fault = self.schedule(number, f"{handler.command} {handler.path}")  # type: ignore[operator]
        if fault == "drop":
            self.faults["drop"] += 1
            handler.close_connection = True
            handler.connection.close()
            return
        if isinstance(fault, int):
            self.faults[str(fault)] += 1
            payload = b'{"error": {"code": %d, "message": "injected"}}' % fault
            handler.send_response(fault)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            if fault in {429, 503}:
                handler.send_header("Retry-After", "0")
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(payload)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP}
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(handler.command, handler.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        if fault in {"cut", "corrupt"} and data:
            self.faults[str(fault)] += 1
            if fault == "corrupt":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
        handler.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() in HOP or (
                key.lower() == "content-length" and handler.command != "HEAD"
            ):
                continue
            location = key.lower() == "location"
            handler.send_header(key, value.replace(self.upstream, self.url) if location else value)
        if handler.command != "HEAD":
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command != "HEAD":
            if fault == "cut" and data:
                handler.wfile.write(data[: len(data) // 2])
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.close()
                return
            handler.wfile.write(data)
