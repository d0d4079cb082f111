"""The ledger's 迎检 banner in a real headless Chromium at desktop and phone width.

Screenshots go to /tmp/shots/ for a person to look at; the assertions check what a user reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app_services import AppServices
from tests.support.web_helpers import make_user
from tests.web.test_web_e2e import _page, _sign_in, browser, live_server, pytestmark  # noqa: F401

SHOTS = Path("/tmp/shots")


def test_campaign_banner_at_desktop_and_phone_width(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    services: AppServices,
    chat: Any,
) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    chat.say("迎检模式 开启 至 12月15日", "ccb_wang")
    make_user(services, "wang", "supervisor", display_name="王主任")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, mobile in (("campaign-desktop", False), ("campaign-phone", True)):
        page = _page(browser, mobile=mobile)
        _sign_in(page, live_server, "wang")
        page.goto(f"{live_server}/")
        banner = page.locator("#campaign-banner")
        banner.wait_for()
        assert "全国文明城市测评" in banner.inner_text() and "还剩 22 天" in banner.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"] + 1, width
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        assert page.errors == []
        page.context.close()
