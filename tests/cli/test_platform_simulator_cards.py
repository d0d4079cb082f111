"""`guanjia chat --platform wecom` against a server whose 智能机器人 answers with template cards.

With GUANJIA_WECOM_BOT_CARDS=true a report's answer is a `template_card`, not a stream: the
simulator crashed on it (KeyError: 'stream') and the session ended. It shows the card instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.cli.platform_simulator import PlatformChat
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from tests.support.platform_factories import REPORT, platform_cfg
from tests.support.platform_http import platform_settings


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media").model_copy(update={"wecom_bot_cards": True})


def test_a_card_reply_is_shown_with_its_text_and_buttons(
    client: TestClient, settings: Settings, cfg: GuanjiaConfig, clock: ManualClock
) -> None:
    chat = PlatformChat("wecom", "http://testserver", settings, cfg, "wgy_li", "demo", clock, client=client)
    lines = chat.send(REPORT)
    shown = "\n".join(lines)
    assert lines[0].startswith("🤖 ") and "已登记 #1" in shown
    assert "[认领]" in shown and "[退回]" in shown
    assert "认领 1" in shown  # how to press it here: type the command


def test_the_session_goes_on_after_a_card(
    client: TestClient, settings: Settings, cfg: GuanjiaConfig, clock: ManualClock
) -> None:
    chat = PlatformChat("wecom", "http://testserver", settings, cfg, "wgy_li", "demo", clock, client=client)
    chat.send(REPORT)
    chat.sender = "hws_chen"
    lines = chat.send("认领 1")
    assert lines and lines[0].startswith("🤖 ") and "认领" in "\n".join(lines)
