"""Writing user files safely: never half-written, whatever happens mid-write."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from liftshift.foundation.statedir import make_dirs, private_mode


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync it, then rename over ``path``.

    A crash leaves either the old file or the new one, never a mix. Text is written as given
    (no newline translation) so CRLF files stay CRLF. Permission bits: ``mode`` when given,
    else an existing file keeps its own, a new file inside ``.liftshift/`` is 0600 and any other
    new file follows the umask, like a file the user's editor creates (mkstemp alone would make
    every file 0600).
    """
    path = Path(path)
    make_dirs(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if mode is None and path.exists():
        mode = path.stat().st_mode & 0o7777
    if mode is None:
        mode = private_mode(path)
    if mode is None:
        mode = 0o666 & ~current_umask()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def current_umask() -> int:
    """The process umask. Linux shows it in /proc (no race with other threads); elsewhere it
    is read by setting and restoring it, as POSIX has no getter."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
