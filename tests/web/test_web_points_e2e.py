"""The points page in a real headless Chromium at desktop and phone width, after a round in chat.

Screenshots go to /tmp/shots/ for a person to look at; the assertions check what a user reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.app_services import AppServices
from tests.support.web_helpers import make_user
from tests.web.test_web_e2e import _page, _sign_in, browser, live_server, pytestmark  # noqa: F401
from tests.web.test_web_points import a_round_of_three

SHOTS = Path("/tmp/shots")


def test_points_page_at_desktop_and_phone_width(
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    services: AppServices,
    chat: Any,
    clock: Any,
) -> None:
    a_round_of_three(chat, clock)
    make_user(services, "wang", "supervisor", display_name="王主任")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, mobile in (("points-desktop", False), ("points-phone", True)):
        page = _page(browser, mobile=mobile)
        _sign_in(page, live_server, "wang")
        page.goto(f"{live_server}/points")
        page.wait_for_selector("table.points")
        row = page.locator("tr[data-point='gs-market']")
        assert "孙巡查" in row.locator("td[data-label=最近督查]").inner_text()
        assert row.locator("td[data-label=发现问题]").inner_text().strip() == "3"
        stale = page.locator("tr.overdue").count()
        assert stale == len(services.cfg.points.list) - 1  # every point but the one just inspected
        # Nothing overflows the viewport sideways on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"] + 1, width
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert page.errors == []
        page.context.close()
