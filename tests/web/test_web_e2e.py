"""End to end in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
sign in, filter the ledger, open a ticket, reassign it, see it in the timeline and the outbox;
stored XSS shows as text. Screenshots of the main pages go to tests/output/screenshots/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.app_services import AppServices
from models import OutboxMessage
from tests.support.web_helpers import PASSWORD, make_user
from tests.support.web_seed import XSS_IMG, XSS_SCRIPT, seed_ledger

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "output" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="end-to-end web tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(services: AppServices) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, mobile: bool = False) -> Any:
    size = {"width": 390, "height": 844} if mobile else {"width": 1366, "height": 900}
    context = browser.new_context(viewport=size, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: page.errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    return page


def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/")
    assert "/login" in page.url
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_sign_in_filter_open_reassign_and_see_it_in_the_timeline_and_outbox(
    live_server: str, browser: Any, services: AppServices, chat: Any, clock: Any
) -> None:
    ids = seed_ledger(chat, clock)
    make_user(services, "wang", "supervisor", display_name="王主任")
    page = _page(browser)
    page.goto(f"{live_server}/login")
    _shoot(page, "01-login")
    _sign_in(page, live_server, "wang")
    _shoot(page, "02-ledger")

    # Filter: 交警支队's tickets only.
    page.select_option("select[name=unit]", "jtzd")
    page.click("form#filters button[type=submit]")
    page.wait_for_load_state()
    assert "unit=jtzd" in page.url
    units = page.locator("table.ledger tbody td[data-label=单位]").all_inner_texts()
    assert units and set(units) == {"交警支队"}
    _shoot(page, "03-ledger-filtered")

    # Open the ticket and reassign it to 城管执法队.
    ticket_id = ids["claimed"]
    page.click(f"tr[data-ticket='{ticket_id}'] td.id a")
    page.wait_for_url(f"{live_server}/tickets/{ticket_id}")
    _shoot(page, "04-ticket")
    form = page.locator("form[data-action=reassign]")
    form.locator("select[name=unit]").select_option("cgzf")
    form.locator("input[name=note]").fill("属城管职责")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server}/tickets/{ticket_id}")
    assert "已转派 → 城管执法队" in page.locator(".alert").inner_text()
    last_step = page.locator("ol.timeline li").last.inner_text()
    assert "转派" in last_step and "交警支队 → 城管执法队" in last_step and "王主任" in last_step
    _shoot(page, "05-ticket-reassigned")

    with services.session_factory() as session:
        texts = list(session.scalars(select(OutboxMessage.text).where(OutboxMessage.kind == "reply")))
    assert any(f"转派 {ticket_id} 城管执法队 属城管职责" in t and "已转派 → 城管执法队" in t for t in texts), texts

    page.goto(f"{live_server}/units")
    page.wait_for_selector("#chart-trend svg")
    page.wait_for_selector("#chart-categories svg")
    _shoot(page, "06-units")
    assert not page.errors, page.errors


def test_stored_xss_shows_as_text(live_server: str, browser: Any, services: AppServices, chat: Any, clock: Any) -> None:
    ids = seed_ledger(chat, clock)
    make_user(services, "wang", "supervisor")
    page = _page(browser)
    _sign_in(page, live_server, "wang")
    page.fill("input[name=q]", "alert")
    page.click("form#filters button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("table.ledger tbody tr")
    assert rows.count() == 2
    assert "<script>alert(1)</script>" in page.locator("table.ledger").inner_text()
    page.goto(f"{live_server}/tickets/{ids['xss_img']}")
    assert XSS_IMG in page.locator(".report-text").inner_text()
    assert page.locator(".report-text img").count() == 0
    page.goto(f"{live_server}/tickets/{ids['xss_script']}")
    assert XSS_SCRIPT in page.locator(".report-text").inner_text()
    _shoot(page, "07-ticket-xss-as-text")
    assert not page.errors, page.errors  # no alert() dialog, no script error


def test_phone_layout_and_share_link(
    live_server: str, browser: Any, services: AppServices, chat: Any, clock: Any
) -> None:
    seed_ledger(chat, clock)
    make_user(services, "wang", "supervisor")
    make_user(services, "chen", "unit", unit="hws", display_name="陈环卫")
    phone = _page(browser, mobile=True)
    _sign_in(phone, live_server, "chen")
    _shoot(phone, "08-phone-ledger-unit-member")
    assert set(phone.locator("table.ledger tbody td[data-label=单位]").all_inner_texts()) == {"环卫中心"}
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the ledger scrolls sideways on a phone ({width}px)"

    desk = _page(browser)
    _sign_in(desk, live_server, "wang")
    desk.goto(f"{live_server}/units")
    desk.click("form[action='/share'] button[type=submit]")
    desk.wait_for_url(f"{live_server}/shares")
    lines = desk.locator(".alert").inner_text().split("\n")
    link = next(line.strip() for line in lines if line.startswith("/s/"))  # no GUANJIA_PUBLIC_URL here
    assert "#1" in desk.locator("table.ledger").inner_text()
    leader = _page(browser, mobile=True)
    leader.goto(live_server + link)
    leader.wait_for_selector("#chart-trend svg")
    assert "创城工作概览" in leader.inner_text("h1")
    _shoot(leader, "09-phone-share-link")
    assert not phone.errors and not desk.errors and not leader.errors
