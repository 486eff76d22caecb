"""Recording declared flags in liftshift.toml: the quick line edit must give exactly what the
tomlkit edit gives, and step aside whenever the file is laid out some other way."""

from __future__ import annotations

from pathlib import Path

import pytest

from liftshift.foundation.plan import ChannelPlan, Plan, save_plan
from liftshift.migrator.migrate import _flags_in_place, _flags_with_tomlkit


def plan_text(tmp_path: Path, *channels: ChannelPlan) -> str:
    plan = Plan()
    plan.data.channels = list(channels)
    return save_plan(plan, tmp_path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("channels", "added", "edit"),
    [
        ([("train", ""), ("test", "--t")], {"train": "--train", "test": "--test"}, ""),
        ([("Train", ""), ("eval", "")], {"train": "--train", "eval": "--eval-dir"}, ""),
        ([("train", "")], {"other": "--x"}, ""),
        ([("train", "")], {}, ""),
        ([("train", "")], {"train": "--train"}, "crlf"),
    ],
)
def test_line_edit_matches_tomlkit(tmp_path, channels, added, edit):
    text = plan_text(tmp_path, *(ChannelPlan(name=n, argument=a) for n, a in channels))
    if edit == "crlf":
        text = text.replace("\n", "\r\n")
    fast = _flags_in_place(text, added)
    assert fast is not None
    assert fast == _flags_with_tomlkit(text, added)
    # checked against the plan read from the same text (the pipeline's case): same result
    planned = [(n, a or (added.get(n.lower()) or "")) for n, a in channels]
    assert _flags_in_place(text, added, planned) == fast
    # a plan whose channels the result does not carry: the quick edit steps aside
    wrong = [(n, a + "x") for n, a in planned]
    assert _flags_in_place(text, added, wrong) is None


@pytest.mark.parametrize(
    ("change", "added"),
    [
        (lambda text: text.replace('argument = ""\n', ""), {"train": "--train"}),
        (lambda text: text.replace('argument = ""', 'argument = ""  # fill'), {"train": "--train"}),
        (lambda text: text, {"train": "--a b"}),
        (lambda text: '[data]\nchannels = [{name = "train", argument = ""}]\n', {"train": "--t"}),
    ],
)
def test_other_layouts_go_to_tomlkit(tmp_path, change, added):
    text = change(plan_text(tmp_path, ChannelPlan(name="train")))
    assert _flags_in_place(text, added) is None
    assert "argument = " in _flags_with_tomlkit(text, added)
