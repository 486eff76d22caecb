"""The seeding and watching shim both sides of ``liftshift verify`` run with.

``verify`` copies this file as ``sitecustomize.py`` into a folder it puts first on
``PYTHONPATH``, so Python runs it at start-up in the trainer's process (stdlib only: it runs
before anything else is importable). It:

- seeds ``random`` now, and ``numpy``, ``tensorflow`` and ``torch`` right after each is first
  imported (an import hook, so a trainer that never imports TensorFlow never pays for it),
  with ``LIFTSHIFT_VERIFY_SEED`` — so unseeded trainers compare too;
- records, through an audit hook, which channel folders the trainer opened or listed
  (``LIFTSHIFT_VERIFY_WATCH``: JSON ``{channel: folder}``) into ``LIFTSHIFT_VERIFY_TRACE``, one
  JSON line per channel the first time it is touched, so a diagnosis can say "never read";
- refuses any Python-level write under ``/opt/ml`` (``LIFTSHIFT_VERIFY_GUARD=1``), so an
  original that builds the path at run time fails loudly instead of touching this machine.
"""

import json
import os
import sys

_SEED = int(os.environ.get("LIFTSHIFT_VERIFY_SEED", "0"))
_HOOKED = {"numpy", "tensorflow", "torch"}


def _seed_module(name, module):
    try:
        if name == "numpy":
            module.random.seed(_SEED)
        elif name == "tensorflow":
            module.random.set_seed(_SEED)
        elif name == "torch":
            module.manual_seed(_SEED)
    except Exception:  # a partial or unusual install: seeding is best effort
        pass


class _SeedAfterImport:
    """A meta-path finder that wraps the real loader of the hooked top-level modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _HOOKED:
            return None
        _HOOKED.discard(fullname)
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _seed_module(fullname, module)

        loader.exec_module = exec_module
        return spec


def _watch():
    watched = json.loads(os.environ.get("LIFTSHIFT_VERIFY_WATCH") or "{}")
    trace = os.environ.get("LIFTSHIFT_VERIFY_TRACE")
    guard = os.environ.get("LIFTSHIFT_VERIFY_GUARD") == "1"
    folders = [(name, os.path.realpath(folder)) for name, folder in watched.items()]
    # the folders as given and as resolved: a path starting with neither is skipped without
    # resolving it (``realpath`` costs a system call per path part, on every import's opens)
    prefixes = tuple({p for name, folder in watched.items()
                      for p in (os.path.abspath(folder), os.path.realpath(folder))})  # fmt: skip
    seen = set()
    events = {"open", "os.scandir", "os.listdir", "glob.glob"}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT
    writes = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "shutil.rmtree"}

    def hook(event, args):
        if event not in events and event not in writes:
            return
        if not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        try:
            path = os.fsdecode(args[0])
        except (TypeError, ValueError):
            return
        if guard and path.startswith("/opt/ml"):
            mode = args[1] if len(args) > 1 else None
            flags = args[2] if len(args) > 2 else 0
            writing = event in writes or (
                event == "open"
                and (
                    (isinstance(mode, str) and any(flag in mode for flag in "wax+"))
                    or (isinstance(flags, int) and flags & write_flags)
                )
            )
            if writing:
                raise PermissionError(
                    f"liftshift verify: {path} is under this machine's /opt/ml; the original "
                    "builds that path at run time, which the verify copy cannot redirect"
                )
        if not trace or event in writes or len(seen) == len(folders):
            return
        absolute = os.path.abspath(path)
        if not absolute.startswith(prefixes):
            return
        real = os.path.realpath(absolute)
        for name, folder in folders:
            if name not in seen and (real == folder or real.startswith(folder + os.sep)):
                seen.add(name)
                with open(trace, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps({"channel": name, "event": event}) + "\n")

    sys.addaudithook(hook)


import random  # noqa: E402

random.seed(_SEED)
sys.meta_path.insert(0, _SeedAfterImport())
_watch()
