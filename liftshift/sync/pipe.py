"""The streaming pipe for large objects: source stream → hash → upload chunk, in small blocks.

The source is one GET for the whole object, pulled in ``block``-sized pieces; the upload request
reads its body from :class:`ChunkBody`, which hashes every byte on its way out. By default the
pieces are read on the upload's own thread (the socket's receive buffer keeps the source flowing
while a block is sent); ``depth > 0`` adds a reader thread that stays that many blocks ahead.
Memory per object is a few blocks whatever the object or chunk size (a 5 GiB object streams
through ~``(depth + 2) * block`` bytes)."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from liftshift.foundation.storage import Readable, TransientError
from liftshift.sync.verify import BackgroundHasher, StreamHasher

BLOCK = 1024 * 1024
SEGMENT = 8 * BLOCK
"""Bytes per ranged GET when one object is read over several connections."""


class BlockReader:
    """Reads ``[start, end)`` of a source through ``open_stream``: on the caller's thread when
    ``depth`` is 0, else on a thread ``depth`` blocks ahead. A failure is raised to the consumer
    on its next :meth:`read`."""

    def __init__(
        self,
        open_stream: Callable[[int], Readable],
        start: int,
        end: int,
        *,
        block: int = BLOCK,
        depth: int = 4,
        name: str = "read-ahead",
    ) -> None:
        self.position = start
        self._end = end
        self._block = block
        self._open = open_stream
        self._slots: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._pending = b""
        self._stream: Readable | None = None
        self._thread: threading.Thread | None = None
        if depth > 0:
            self._thread = threading.Thread(
                target=self._produce, args=(start,), name=name, daemon=True
            )
            self._thread.start()

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._slots.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _produce(self, offset: int) -> None:
        stream: Readable | None = None
        try:
            stream = self._open(offset)
            while offset < self._end and not self._stop.is_set():
                data = stream.read(min(self._block, self._end - offset))
                if not data:
                    raise TransientError(f"source stream ended at byte {offset}")
                offset += len(data)
                self._put(data)
        except BaseException as exc:
            self._put(exc)
        finally:
            if stream is not None:
                # A dropped connection may fail to close; there is nothing to keep.
                with contextlib.suppress(Exception):
                    stream.close()

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (at most one block); ``b""`` at the end of the range.
        A whole block is handed over as is, without a copy."""
        if not self._pending:
            if self.position >= self._end:
                return b""
            got = self._slots.get() if self._thread is not None else self._read_inline()
            if isinstance(got, BaseException):
                raise got
            self._pending = got
        if limit >= len(self._pending):
            piece, self._pending = self._pending, b""
        else:
            piece, self._pending = self._pending[:limit], self._pending[limit:]
        self.position += len(piece)
        return piece

    def _read_inline(self) -> bytes:
        """``depth=0``: read the next block on the caller's thread (no read-ahead)."""
        if self._stream is None:
            self._stream = self._open(self.position)
        data = self._stream.read(min(self._block, self._end - self.position))
        if not data:
            raise TransientError(f"source stream ended at byte {self.position}")
        return data

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()


class RangedReader:
    """Reads ``[start, end)`` as up to ``parallel`` concurrent ranged GETs of ``segment`` bytes
    (as rclone and the AWS CLI do for one big object), handed out in order, a block at a time.

    One connection's throughput is capped by its round trips and window; when a sync has fewer
    large objects than workers, several ranges in flight keep the link busy. Memory per object
    is about ``(parallel + 1) * segment``. Same interface as :class:`BlockReader`; a failed
    range is raised to the consumer on its next :meth:`read`.
    """

    def __init__(
        self,
        read_range: Callable[[int, int], bytes],
        start: int,
        end: int,
        *,
        parallel: int = 4,
        segment: int = SEGMENT,
        name: str = "ranged-read",
    ) -> None:
        self.position = start
        self._end = end
        self._segment = segment
        self._read_range = read_range
        self._pool = ThreadPoolExecutor(max(1, parallel), thread_name_prefix=name)
        self._in_flight: deque[Future[bytes]] = deque()
        self._scheduled = start
        self._current = b""
        self._used = 0
        for _ in range(max(1, parallel)):
            self._schedule()

    def _schedule(self) -> None:
        if self._scheduled < self._end:
            first, last = self._scheduled, min(self._end, self._scheduled + self._segment)
            self._in_flight.append(self._pool.submit(self._read_range, first, last))
            self._scheduled = last

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes (at most one block); ``b""`` at the end of the range."""
        if self._used >= len(self._current):
            if self.position >= self._end:
                return b""
            expected = min(self._segment, self._end - self.position)
            self._current, self._used = self._in_flight.popleft().result(), 0
            self._schedule()
            if len(self._current) != expected:
                raise TransientError(f"ranged read returned {len(self._current)} of {expected}")
        piece = self._current[self._used : self._used + min(limit, BLOCK)]
        self._used += len(piece)
        self.position += len(piece)
        return piece

    def close(self) -> None:
        for future in self._in_flight:
            future.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._current = b""


class ChunkBody:
    """The body of one upload request: ``length`` bytes from a :class:`BlockReader`, hashed as
    the HTTP client reads them. Has ``len()`` so clients send a Content-Length."""

    def __init__(
        self,
        reader: BlockReader | RangedReader,
        length: int,
        hasher: StreamHasher | BackgroundHasher,
        on_bytes: Callable[[int], None] = lambda _n: None,
    ) -> None:
        self.reader = reader
        self.length = length
        self.remaining = length
        self.hasher = hasher
        self.on_bytes = on_bytes

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        # Hand out whole blocks even when asked for less: fewer, larger socket writes.
        want = self.remaining if size is None or size < 0 else max(size, BLOCK)
        data = self.reader.read(min(want, self.remaining))
        if not data:
            raise TransientError("source ended before the chunk was complete")
        self.remaining -= len(data)
        self.hasher.update(data)
        self.on_bytes(len(data))
        return data

    def read_all(self) -> bytes:
        """The whole chunk as bytes (for stores whose client must see it at once)."""
        parts = []
        while piece := self.read():
            parts.append(piece)
        return b"".join(parts)
