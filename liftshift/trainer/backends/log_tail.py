"""A live Cloud Logging stream (``TailLogEntries``, gRPC only) for one running job.

Polling ``ListLogEntries`` shows a line up to one poll interval late and spends read quota on
every poll; a tail stream delivers lines as they are ingested. Streams drop (networks, proxies,
server restarts), so the stream only *feeds* the Vertex backend's log cursor: when it ends the
backend reads the gap with ``ListLogEntries`` from the cursor and opens a new stream from the
newest timestamp it has, and the cursor's insert ids drop every line seen twice.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any


class LogTail:
    """Streams the entries ``filter_`` selects into a queue, in a daemon thread, until closed
    or until the stream ends (then :attr:`alive` turns False and :attr:`error` says why)."""

    def __init__(self, gapic_api: Any, resource: str, filter_: str) -> None:
        self._api = gapic_api
        self._resource = resource
        self._filter = filter_
        self._entries: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = threading.Event()
        self._stream: Any = None
        self.alive = True
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="log-tail", daemon=True)
        self._thread.start()

    def _requests(self) -> Iterator[Any]:
        from google.cloud.logging_v2.types import TailLogEntriesRequest

        yield TailLogEntriesRequest(resource_names=[self._resource], filter=self._filter)
        self._closed.wait()  # keep our side of the stream open until closed

    def _run(self) -> None:
        try:
            self._stream = self._api.tail_log_entries(requests=self._requests())
            for response in self._stream:
                for entry in response.entries:
                    self._entries.put(entry)
        except Exception as exc:  # a dropped stream: the backend reconnects from its cursor
            if not self._closed.is_set():
                self.error = exc
        finally:
            self.alive = False

    def drain(self) -> list[Any]:
        """Every ``LogEntry`` received since the last drain, in arrival order."""
        out = []
        while True:
            try:
                out.append(self._entries.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        self._closed.set()
        stream = self._stream
        if stream is not None:
            stream.cancel()
