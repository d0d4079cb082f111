"""A spot's key: the ways people write one crossing meet, different spots stay apart."""

from __future__ import annotations

import pytest

from bot.tickets.gazetteer import place_key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("府前街与南环路交叉口西北角", "府前街南环路口西北角"),
        ("府前街与南环路交叉口西北角", "南环路和府前街十字路口西北角附近"),
        ("湖滨路与百花街路口", "百花街和湖滨路交叉口"),
        ("北环路东关大街路口", "东关大街与北环路交叉口"),
        ("东湖家园3号楼 北边", "东湖家园3号楼北边"),
        ("南关市场门口附近", "南关市场门口"),
        ("东湖家园小区北门", "东湖家园北门"),
    ],
)
def test_one_spot_written_two_ways_has_one_key(one: str, other: str) -> None:
    assert place_key(one) == place_key(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("府前街与南环路交叉口西北角", "府前街与南环路交叉口东南角"),
        ("府前街与南环路交叉口", "府前街与北环路交叉口"),
        ("湖滨路口", "湖滨路"),  # a road's mouth is not the whole road
        ("东湖家园3号楼", "东湖家园5号楼"),
        ("府前街南环路西北角", "府前街与南环路交叉口东北角"),
        ("幸福小区", "幸福"),  # 小区 goes only inside a name, before a gate or a building
    ],
)
def test_different_spots_keep_different_keys(one: str, other: str) -> None:
    assert place_key(one) != place_key(other)


def test_no_place_has_no_key() -> None:
    assert place_key(None) is None and place_key("") is None and place_key(" ，") is None
