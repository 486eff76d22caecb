"""Benchmark: liftshift sync vs ``rclone copy`` from moto's S3 to fake-gcs-server.

Datasets: (a) 2,000 x 8 KiB objects, (b) 20 x 32 MiB objects, (c) 100,000 x 1 KiB objects in 100
folders, listed and planned only (``--dry-run``; ``--datasets abc`` to include it). Each tool
copies each dataset into an empty destination, alternating tools, ``--runs`` times (≥ 3).
Printed: medians of objects/s, MB/s, CPU seconds (user + system of the tool process: steadier
than wall time on a shared machine), CPU seconds per GiB next to rclone's, the emulators' CPU
seconds during the run (on a 2-core machine the tools compete with moto and fake-gcs-server, so
what a tool makes the servers do is throughput too), peak RSS (the tool process's VmHWM) and the
ratios liftshift/rclone; for liftshift, objects/s of the plan (start-up + listing + plan) and
of the copy phase apart. liftshift's bytecode is written once up front (as an installed
package's is at install time), so no run pays for compiling it.
``--baseline DIR`` also runs the liftshift package under DIR (e.g. ``git archive <ref>
liftshift | tar -x -C DIR``) in the same rotation: a before/after figure under the same load.
liftshift verifies every object (MD5 + CRC32C against every hash offered); rclone checks MD5
where both sides have one. Run from the repo root:

    .venv/bin/python bench/sync.py [--runs 3] [--workers 16] [--datasets abc] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.emulators import (  # noqa: E402
    AWS_TEST_ENV,
    reset_fake_gcs,
    start_fake_gcs,
    start_moto,
)

KiB, MiB = 1024, 1024 * 1024
DATASETS = {
    "a": ("2000 x 8 KiB", 2000, 8 * KiB),
    "b": ("20 x 32 MiB", 20, 32 * MiB),
    "c": ("100000 x 1 KiB", 100_000, KiB),
}
PLAN_ONLY = {"c"}
"""Datasets measured as listing + plan only (``--dry-run`` for both tools): copying 100,000
objects into fake-gcs-server measures the emulator, not the tools."""
SHARDS = {"c": 100}
COPY_TIME = re.compile(r"failed in ([0-9.]+)s")
"""Datasets spread over sub-folders (``data/shard-NNN/...``), as big datasets usually are."""


@dataclass
class Run:
    tool: str
    dataset: str
    seconds: float
    objects: int
    nbytes: int
    peak_rss: int
    cpu: float
    copy_seconds: float | None = None
    """The copy phase alone (liftshift's own figure; the rest is start-up, listing, plan)."""
    server_cpu: float = 0.0
    """CPU seconds moto and fake-gcs-server spent during the run."""

    @property
    def objects_per_s(self) -> float:
        return self.objects / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.seconds / 1e6

    @property
    def cpu_per_gib(self) -> float:
        return self.cpu / (self.nbytes / (1024 * MiB))

    @property
    def plan_objects_per_s(self) -> float | None:
        """Objects/s of start-up + listing + plan (the whole run for a plan-only dataset)."""
        if self.copy_seconds is None:
            return self.objects / self.seconds if self.dataset in PLAN_ONLY else None
        return self.objects / max(1e-9, self.seconds - self.copy_seconds)

    @property
    def copy_objects_per_s(self) -> float | None:
        return self.objects / self.copy_seconds if self.copy_seconds else None


def summary(runs: list[Run]) -> list[tuple[float, float, float]]:
    """(median, min, max) of objects/s, MB/s, peak RSS (MiB), CPU s, CPU s/GiB, server CPU s,
    plan objects/s and copy objects/s (the last two NaN where a tool does not report them)."""
    columns = (
        [r.objects_per_s for r in runs],
        [r.mb_per_s for r in runs],
        [r.peak_rss / MiB for r in runs],
        [r.cpu for r in runs],
        [r.cpu_per_gib for r in runs],
        [r.server_cpu for r in runs],
        [r.plan_objects_per_s for r in runs],
        [r.copy_objects_per_s for r in runs],
    )
    out = []
    for column in columns:
        known = [value for value in column if value is not None]
        nan = float("nan")
        out.append((statistics.median(known), min(known), max(known)) if known else (nan, nan, nan))
    return out


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def precompile(package_root: Path) -> None:
    """Write liftshift's bytecode (``__pycache__``, ignored by git) before any run, even where
    PYTHONDONTWRITEBYTECODE is set: the runs read it, as an installed package's."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONDONTWRITEBYTECODE"}}
    env.pop("PYTHONPYCACHEPREFIX", None)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package_root / "liftshift")],
        env=env,
        check=True,
    )


def fill(s3_url: str, dataset: str) -> None:
    import boto3
    from botocore.config import Config

    _label, count, size = DATASETS[dataset]
    client = boto3.client(
        "s3",
        endpoint_url=s3_url,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
        **{"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=f"bench-{dataset}")
    from concurrent.futures import ThreadPoolExecutor

    shards = SHARDS.get(dataset)

    def put(i: int) -> None:
        body = os.urandom(size) if size <= MiB else (os.urandom(MiB) * (size // MiB))
        folder = f"data/shard-{i % shards:03d}" if shards else "data"
        client.put_object(Bucket=f"bench-{dataset}", Key=f"{folder}/obj-{i:06d}.bin", Body=body)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(count)))


def make_bucket(gcs_url: str, name: str) -> None:
    request = urllib.request.Request(
        f"{gcs_url}/storage/v1/b",
        data=json.dumps({"name": name}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request).close()


def count_objects(gcs_url: str, bucket: str) -> int:
    total, token = 0, ""
    while True:
        with urllib.request.urlopen(
            f"{gcs_url}/storage/v1/b/{bucket}/o?maxResults=1000&fields=items(name),nextPageToken{token}"
        ) as response:
            page = json.loads(response.read())
        total += len(page.get("items", []))
        if not page.get("nextPageToken"):
            return total
        token = "&pageToken=" + page["nextPageToken"]


def _hwm(pid: int) -> int:
    """VmHWM of a live process (bytes): its peak RSS since exec, unlike ``ru_maxrss`` of a
    child, which also counts the pages it shared with us right after fork."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, float, str]:
    """Wall time, peak RSS (bytes, VmHWM polled every 10 ms), CPU seconds (user + system,
    from the exit's rusage) and what the tool wrote to stderr."""
    log = cwd / "stderr.log"
    peak = 0
    with log.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _hwm(process.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited {code}: {tail}")
    return seconds, peak, usage.ru_utime + usage.ru_stime, log.read_text(errors="replace")


def run_liftshift(
    env: dict[str, str], dataset: str, bucket: str, workers: int
) -> tuple[float, int, float, str]:
    with tempfile.TemporaryDirectory() as project:
        return timed(
            [
                sys.executable,
                "-m",
                "liftshift",
                "sync",
                f"s3://bench-{dataset}/data",
                f"gs://{bucket}/data",
                "--engine",
                "copy",
                "--workers",
                str(workers),
                *(["--dry-run"] if dataset in PLAN_ONLY else []),
            ],
            env,
            Path(project),
        )


def run_rclone(
    env: dict[str, str], dataset: str, bucket: str, workers: int
) -> tuple[float, int, float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        return timed(
            [
                "rclone",
                "copy",
                f"s3src:bench-{dataset}/data",
                f"gcsdst:{bucket}/data",
                "--transfers",
                str(workers),
                "--checkers",
                str(workers),
                *(["--dry-run", "-q"] if dataset in PLAN_ONLY else []),
            ],
            env,
            Path(scratch),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--datasets", default="ab")
    parser.add_argument(
        "--baseline",
        help="also run the liftshift package found under this folder (a before/after figure)",
    )
    parser.add_argument("--fill", help=argparse.SUPPRESS)
    parser.add_argument("--s3", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        fill(args.s3, args.fill)
        return
    if not shutil.which("rclone"):
        sys.exit("rclone is not installed (apt-get install -y rclone)")

    print(f"load average before: {os.getloadavg()}", flush=True)
    logs = Path(tempfile.mkdtemp(prefix="liftshift-bench-"))
    s3 = start_moto(logs)
    gcs = start_fake_gcs(logs)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LIFTSHIFT_"))}
    base.pop("AWS_CA_BUNDLE", None)
    liftshift_env = {
        **base,
        **AWS_TEST_ENV,
        "AWS_ENDPOINT_URL_S3": s3.url,
        "LIFTSHIFT_S3_PATH_STYLE": "1",
        "STORAGE_EMULATOR_HOST": gcs.url,
        "GOOGLE_CLOUD_PROJECT": "bench",
        "LIFTSHIFT_TARGET": "gcp",
    }
    liftshift_env.pop("AWS_SESSION_TOKEN", None)
    rclone_env = {
        **base,
        "RCLONE_CONFIG_S3SRC_TYPE": "s3",
        "RCLONE_CONFIG_S3SRC_PROVIDER": "Other",
        "RCLONE_CONFIG_S3SRC_ENDPOINT": s3.url,
        "RCLONE_CONFIG_S3SRC_ACCESS_KEY_ID": "testing",
        "RCLONE_CONFIG_S3SRC_SECRET_ACCESS_KEY": "testing",
        "RCLONE_CONFIG_S3SRC_FORCE_PATH_STYLE": "true",
        "RCLONE_CONFIG_S3SRC_REGION": "us-east-1",
        "RCLONE_CONFIG_GCSDST_TYPE": "google cloud storage",
        "RCLONE_CONFIG_GCSDST_ENDPOINT": f"{gcs.url}/storage/v1/",
        "RCLONE_CONFIG_GCSDST_ANONYMOUS": "true",
        "RCLONE_CONFIG_GCSDST_PROJECT_NUMBER": "123",
        "RCLONE_CONFIG": str(logs / "rclone.conf"),
    }
    liftshift_env["PYTHONPATH"] = str(ROOT)
    liftshift_env.pop("PYTHONPYCACHEPREFIX", None)
    precompile(ROOT)
    if args.baseline:
        precompile(Path(args.baseline))
    tools = [("liftshift", run_liftshift, liftshift_env)]
    if args.baseline:
        # the same benchmark over another checkout (e.g. `git archive <ref> liftshift`), so a
        # before/after comparison shares one machine state
        tools.append(("baseline", run_liftshift, {**liftshift_env, "PYTHONPATH": args.baseline}))
    tools.append(("rclone", run_rclone, rclone_env))
    names = [name for name, _runner, _env in tools]
    runs: list[Run] = []
    try:
        for dataset in args.datasets:
            label, count, size = DATASETS[dataset]
            print(f"filling S3 with dataset ({dataset}) {label}…", flush=True)
            subprocess.run(
                [sys.executable, __file__, "--fill", dataset, "--s3", s3.url], check=True
            )
            for index in range(args.runs):
                for tool, runner, env in tools:
                    bucket = f"out-{dataset}-{tool}-{index}"
                    make_bucket(gcs.url, bucket)
                    servers_before = process_cpu(s3.process.pid) + process_cpu(gcs.process.pid)
                    seconds, rss, cpu, said = runner(env, dataset, bucket, args.workers)
                    servers = (
                        process_cpu(s3.process.pid) + process_cpu(gcs.process.pid) - servers_before
                    )
                    copied = count_objects(gcs.url, bucket)
                    expected = 0 if dataset in PLAN_ONLY else count
                    if copied != expected:
                        raise RuntimeError(f"{tool} copied {copied} of {expected} objects")
                    found = COPY_TIME.search(said) if tool != "rclone" else None
                    copy_seconds = float(found.group(1)) if found else None
                    run = Run(
                        tool, dataset, seconds, count, count * size, rss, cpu, copy_seconds, servers
                    )
                    runs.append(run)
                    phases = ""
                    if copy_seconds:
                        phases = (
                            f" [start+list+plan {seconds - copy_seconds:5.2f}s, "
                            f"copy {count / copy_seconds:7.1f} obj/s]"
                        )
                    print(
                        f"  ({dataset}) {tool:<9} run {index + 1}: {seconds:6.2f}s "
                        f"{run.objects_per_s:8.1f} obj/s {run.mb_per_s:7.1f} MB/s "
                        f"CPU {cpu:6.2f}s ({run.cpu_per_gib:6.1f} s/GiB) servers {servers:5.1f}s "
                        f"peak RSS {rss / MiB:6.0f} MiB  load {os.getloadavg()[0]:.1f}{phases}",
                        flush=True,
                    )
                    reset_fake_gcs(gcs)  # free the emulator's memory between runs
        print()
        print(f"load average after: {os.getloadavg()}")
        print(
            "dataset          tool       obj/s     MB/s   CPU (s)  CPU s/GiB  servers (s)  "
            "peak RSS (MiB)  plan obj/s  copy obj/s   [medians; (min-max)]"
        )
        for dataset in args.datasets:
            medians = {}
            for tool in names:
                mine = [r for r in runs if r.dataset == dataset and r.tool == tool]
                medians[tool] = summary(mine)
                ops, mbs, rss, cpu, per_gib, servers, plan_ops, copy_ops = (
                    medians[tool][k][0] for k in range(8)
                )
                low, high = medians[tool][1][1:]
                ops_low, ops_high = medians[tool][0][1:]
                name = DATASETS[dataset][0]
                print(
                    f"({dataset}) {name:<12} {tool:<9} {ops:8.1f} {mbs:8.1f} {cpu:9.2f} "
                    f"{per_gib:9.2f} {servers:12.1f} {rss:14.0f} {plan_ops:11.1f} "
                    f"{copy_ops:11.1f}   (MB/s {low:.1f}-{high:.1f}, "
                    f"obj/s {ops_low:.1f}-{ops_high:.1f})"
                )
            for tool in names:
                if tool == "rclone":
                    continue
                lift, rcl = medians[tool], medians["rclone"]
                print(
                    f"({dataset}) ratio {tool}/rclone: objects/s {lift[0][0] / rcl[0][0]:.2f}x, "
                    f"MB/s {lift[1][0] / rcl[1][0]:.2f}x, CPU {lift[3][0] / rcl[3][0]:.2f}x "
                    f"({lift[4][0]:.2f} vs {rcl[4][0]:.2f} s/GiB), "
                    f"servers' CPU {lift[5][0] / max(rcl[5][0], 1e-9):.2f}x, "
                    f"peak RSS {lift[2][0] / rcl[2][0]:.2f}x"
                )
    finally:
        s3.stop()
        gcs.stop()


if __name__ == "__main__":
    main()
