"""The login and share-link attacks replayed against a real `guanjia serve` (uvicorn included):
uvicorn's own defaults (trusting X-Forwarded-For from 127.0.0.1, the access log) are part of
what the attacker meets (issue 14, findings 2 and 18)."""

from __future__ import annotations

import re

import httpx
import pytest

from bot.app_services import AppServices
from tests.support.server_process import start_server
from tests.support.web_helpers import PASSWORD, make_user


def test_forged_forwarded_for_and_a_restart_do_not_reset_the_login_limit(
    services: AppServices, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANJIA_WEB_SECRET_KEY", "served-test-web-key")
    make_user(services, "wang", "supervisor")
    server = start_server(database_url)
    try:
        with httpx.Client(base_url=server.url) as attacker:  # from 127.0.0.1, which uvicorn trusts by default
            codes = [
                attacker.post(
                    "/login",
                    data={"username": f"name{n}", "password": "not-the-password-1"},
                    headers={"X-Forwarded-For": f"10.9.{n}.1"},
                ).status_code
                for n in range(22)
            ]
    finally:
        server.stop()
    assert codes[:20] == [401] * 20 and codes[20:] == [429, 429], "a new address per request sprays unchecked"
    restarted = start_server(database_url)
    try:
        with httpx.Client(base_url=restarted.url) as attacker:
            right = attacker.post("/login", data={"username": "wang", "password": PASSWORD})
        assert right.status_code == 429 and "登录失败次数过多" in right.text
    finally:
        restarted.stop()


def test_the_served_access_log_does_not_hold_a_share_token(
    services: AppServices, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANJIA_WEB_SECRET_KEY", "served-test-web-key")
    make_user(services, "wang", "supervisor")
    server = start_server(database_url)
    try:
        with httpx.Client(base_url=server.url, follow_redirects=True) as browser:
            assert browser.post("/login", data={"username": "wang", "password": PASSWORD}).status_code == 200
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/units").text)
            assert csrf
            page = browser.post(
                "/share", data={"csrf_token": csrf.group(1), "days": "1"}, headers={"Host": "evil.example"}
            )
            token = re.search(r"\n/s/([\w\-]+)", page.text)
            assert token and "evil.example" not in page.text
            assert browser.get(f"/s/{token.group(1)}").status_code == 200
        assert server.log is not None
        server.log.wait_for('"GET /s/*** HTTP/1.1" 200')
        assert token.group(1) not in "".join(server.log.lines)
    finally:
        server.stop()
