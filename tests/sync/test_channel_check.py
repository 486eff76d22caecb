"""The post-sync check names a few missing or unproven keys and counts them all."""

from __future__ import annotations

from pathlib import Path

from liftshift.foundation.plan import ChannelPlan, Plan
from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import open_store
from liftshift.sync.channels import CHECK_EXAMPLES, check_channels, seed


def test_a_channel_never_synced_is_counted_not_listed_whole(tmp_path: Path) -> None:
    settings = Settings(target="local", project_dir=tmp_path)
    samples = tmp_path / "samples"
    samples.mkdir()
    for number in range(CHECK_EXAMPLES + 7):
        (samples / f"f{number:03d}.csv").write_text(f"{number}\n")
    seed("s3://in-bucket/d/", samples, settings)
    open_store("gs://out-bucket/", settings).create_bucket()
    plan = Plan()
    plan.data.channels = [ChannelPlan("train", "s3://in-bucket/d/", "gs://out-bucket/d/")]

    (check,) = check_channels(plan, settings)

    assert not check.ok
    assert check.objects == CHECK_EXAMPLES + 7
    assert check.missing_count == CHECK_EXAMPLES + 7
    assert check.missing == [f"d/f{n:03d}.csv" for n in range(CHECK_EXAMPLES)]
    assert check.unproven_count == 0 and check.unproven == []
