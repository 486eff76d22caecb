"""Plans stream: listings go page by page into the plan's own SQLite file, folders fan out in
parallel, and the plan is read back lazily (key order, or largest first for the copier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.foundation.settings import Settings
from liftshift.foundation.storage import ObjectInfo, open_store
from liftshift.sync import plan_sync
from liftshift.sync.plan import list_into, list_under


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    settings = Settings(target="local", project_dir=tmp_path)
    src = open_store("s3://src/", settings)
    src.create_bucket()
    for folder in range(3):
        for sub in range(2):
            for number in range(4):
                key = f"data/f{folder}/s{sub}/obj-{number}.bin"
                src.put(key, b"x" * (folder * 100 + number + 1))
    src.put("data/top.csv", b"top")
    src.put("data.csv", b"a sibling, not under data/")
    src.put("datasets/other.csv", b"not under data")
    open_store("gs://dst/", settings).create_bucket()
    return settings


@pytest.mark.parametrize("prefix", ["data", "data/", "", "data/f1/", "data/f1/s0"])
def test_listing_fans_out_and_finds_each_object_once(local_settings: Settings, prefix: str) -> None:
    store = open_store("s3://src/", local_settings)
    pages: list[list[ObjectInfo]] = []
    list_into(store, prefix, pages.append, workers=4, fan_out_levels=2)
    found = [info.key for page in pages for info in page]
    expected = [info.key for info in list_under(store, prefix)]
    assert sorted(found) == expected
    assert len(found) == len(set(found))


def test_plan_is_a_lazy_sequence_in_key_order(local_settings: Settings) -> None:
    plan = plan_sync("s3://src/data", "gs://dst/in", local_settings)
    keys = [item.key for item in plan.items]
    assert keys == sorted(keys)
    assert len(plan.items) == plan.total_objects == 25
    assert plan.items[0].key == keys[0]
    assert plan.items[-1].key == keys[-1]
    assert [item.key for item in plan.items[2:5]] == keys[2:5]
    assert plan.count("new") == 25
    assert plan.bytes("new") == sum(item.size for item in plan.items)
    sizes = [item.size for item in plan.largest_first()]
    assert sizes == sorted(sizes, reverse=True)
    assert {item.dst_key for item in plan.items} >= {"in/top.csv", "in/f2/s1/obj-3.bin"}
    plan.close()
