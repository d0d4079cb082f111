"""`guanjia chat --platform …` says when the server will take the chosen sender for an outsider."""

from __future__ import annotations

from bot.cli.platform_simulator import identity_note
from config import load_config
from tests.support.platform_factories import platform_cfg


def test_the_demo_config_people_have_no_platform_ids_and_the_simulator_says_so() -> None:
    demo = load_config()  # config/guanjia.yaml, what `make run` serves
    note = identity_note(demo, "wecom", "hws_chen")
    assert note is not None
    assert "wecom:hws_chen" in note and "认领、完成等命令会被拒绝" in note
    assert "hws_chen: {name: 陈环卫, wecom: hws_chen}" in note


def test_no_note_for_a_person_the_server_knows_on_that_platform() -> None:
    cfg = platform_cfg()  # the demo config with 陈环卫's platform ids, as the note suggests
    assert identity_note(cfg, "wecom", "hws_chen") is None
    assert identity_note(cfg, "wecom", "jtzd_zhou") is not None  # no wecom id for 周交警
    assert identity_note(cfg, "wecom", "路人甲") is None  # not in people: nothing to suggest
