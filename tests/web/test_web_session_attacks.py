"""Attacks on sessions, share links and accounts (issue 14, findings 9, 15, 18, 19): each test
sends what an attacker sends and checks what they must not get."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.cli.main import main
from bot.core.errors import InvalidArgument
from bot.core.log_setup import logging_config
from bot.core.serving import serving_settings
from bot.web.accounts.users import create_user, set_password
from tests.support.web_helpers import PASSWORD, login, make_user

_LINK = re.compile(r"(?:^|\n)(\S*)(/s/[\w\-]+)")


def make_link(client: TestClient, csrf: str, **headers: str) -> tuple[str, str]:
    """(host part, path) of a new share link as the flash message shows it."""
    page = client.post("/share", data={"csrf_token": csrf, "days": "7"}, headers=headers)
    assert page.status_code == 200 and page.url.path == "/shares", page.text
    found = _LINK.search(page.text)
    assert found, page.text
    return found.group(1), found.group(2)


def test_a_cookie_copied_before_logout_does_not_work_after_it(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    stolen = client.cookies.get("guanjia_session")
    assert stolen and "wang" not in stolen
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with TestClient(create_app(services), cookies={"guanjia_session": stolen}) as thief:
        answer = thief.get("/", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_the_session_cookie_is_secure_when_serving_off_loopback(
    services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(services, "wang", "supervisor")
    monkeypatch.setenv("GUANJIA_WEB_SECURE_COOKIES", "false")  # restored after the test
    assert serving_settings(services.settings, "127.0.0.1").web_secure_cookies is False
    assert serving_settings(services.settings, "::1").web_secure_cookies is False
    public = serving_settings(services.settings, "0.0.0.0")
    assert public.web_secure_cookies is True
    app = create_app(build_services(public, services.cfg, clock=services.clock, engine=services.engine))
    with TestClient(app) as https_client:
        answer = https_client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False)
    cookie = answer.headers["set-cookie"].lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_login_form_posted_from_another_site_is_refused(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    data = {"username": "wang", "password": PASSWORD}
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Referer": "https://evil.example/x"}):
        answer = client.post("/login", data=data, headers=headers, follow_redirects=False)
        assert answer.status_code == 403 and "来自其他网站" in answer.text, headers
        assert "set-cookie" not in answer.headers, headers
    assert client.get("/login").headers["referrer-policy"] == "same-origin", "our own form sends its Origin"
    same = client.post("/login", data=data, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert same.status_code == 303


def test_behind_a_proxy_that_rewrites_host_the_public_url_is_this_site(services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    public = services.settings.model_copy(update={"public_url": "https://ledger.example.cn"})
    app = create_app(build_services(public, services.cfg, clock=services.clock, engine=services.engine))
    data = {"username": "wang", "password": PASSWORD}
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        ours = client.post("/login", data=data, headers={"Origin": "https://ledger.example.cn"}, follow_redirects=False)
        assert ours.status_code == 303
        evil = client.post("/login", data=data, headers={"Origin": "https://ledger.example.cn.evil.example"})
        assert evil.status_code == 403


def test_share_links_are_listed_and_revoked_one_at_a_time(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    make_user(services, "ma", "viewer")
    csrf = login(client, "wang")
    _, first = make_link(client, csrf)
    _, second = make_link(client, csrf)
    listing = client.get("/shares").text
    assert "#1" in listing and "#2" in listing and first not in listing, "tokens are shown once, never listed"
    assert client.post("/shares/1/revoke", data={"csrf_token": csrf}).status_code == 200
    assert client.post("/shares/1/revoke", data={"csrf_token": "forged"}).status_code == 403
    client.cookies.clear()
    assert client.get(first).status_code == 403 and client.get(second).status_code == 200
    viewer_csrf = login(client, "ma")
    assert client.get("/shares").status_code == 403
    assert client.post("/shares/2/revoke", data={"csrf_token": viewer_csrf}).status_code == 403
    client.cookies.clear()
    assert client.get(second).status_code == 200, "a viewer cannot revoke"


def test_share_links_end_with_their_creators_password_or_account(
    client: TestClient, services: AppServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(services, "wang", "supervisor")
    make_user(services, "li", "supervisor")
    _, by_wang = make_link(client, login(client, "wang"))
    client.cookies.clear()
    _, by_li = make_link(client, login(client, "li"))
    client.cookies.clear()
    with services.session_factory() as session, session.begin():
        set_password(session, "wang", "changed-it-on-monday", services.clock.now())
    assert client.get(by_wang).status_code == 403 and client.get(by_li).status_code == 200
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    assert main(["user", "disable", "li"]) == 0
    assert client.get(by_li).status_code == 403


def test_a_share_link_is_not_built_from_the_host_header(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    host, path = make_link(client, csrf, Host="evil.example")
    assert host == "" and path.startswith("/s/"), "without GUANJIA_PUBLIC_URL the link is a path, with a hint"
    public = services.settings.model_copy(update={"public_url": "https://ledger.example.cn/"})
    app = create_app(build_services(public, services.cfg, clock=services.clock, engine=services.engine))
    with TestClient(app) as configured:
        host, _ = make_link(configured, login(configured, "wang"), Host="evil.example")
    assert host == "https://ledger.example.cn"


def test_the_access_log_does_not_hold_a_share_token(services: AppServices) -> None:
    formatter_spec = dict(logging_config(services.settings)["formatters"]["guanjia"])
    factory = formatter_spec.pop("()")
    module, name = factory.rsplit(".", 1)
    formatter = getattr(__import__(module, fromlist=[name]), name)(**formatter_spec)
    token = "Zq3u9Vb7Lx0PaS4dWm2Kt8Ny"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.10:5000", "GET", f"/s/{token}", "1.1", 200), None,
    )  # fmt: skip
    line = formatter.format(record)
    assert token not in line and '"GET /s/*** HTTP/1.1" 200' in line


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "至少10个字符"),
        ("password", "至少10个字符"),
        ("password123", "太常见"),
        ("woaini1314520", "太常见"),
        ("1qaz2wsx3edc", "太常见"),
        ("Qwerty123456", "太常见"),
        ("aaaaaaaaaaaa", "不同的字符太少"),
        ("zhang-secret-77", "不能包含用户名"),
    ],
)
def test_weak_passwords_are_refused(services: AppServices, password: str, reason: str) -> None:
    with pytest.raises(InvalidArgument, match=reason), services.session_factory() as session, session.begin():
        create_user(
            session,
            services.cfg,
            username="zhang",
            password=password,
            role="viewer",
            unit=None,
            now=services.clock.now(),
        )
    make_user(services, "wang", "viewer")
    with pytest.raises(InvalidArgument, match=reason), services.session_factory() as session, session.begin():
        set_password(session, "wang", password.replace("zhang", "wang"), services.clock.now())


def test_user_disable_enable_remove(
    client: TestClient,
    services: AppServices,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    clock,
) -> None:
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    make_user(services, "chen", "unit", unit="hws")
    login(client, "chen")
    assert main(["user", "disable", "chen"]) == 0
    assert "已停用 chen" in capsys.readouterr().out
    assert client.get("/", follow_redirects=False).status_code == 303, "the open session ended"
    assert client.post("/login", data={"username": "chen", "password": PASSWORD}).status_code == 401
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "list"]) == 0 and "（停用）" in capsys.readouterr().out
    for _ in range(4):  # with the earlier refused login: locked out from this address
        client.post("/login", data={"username": "chen", "password": "forgot-it-again"})
    assert client.post("/login", data={"username": "chen", "password": PASSWORD}).status_code == 429
    assert main(["user", "enable", "chen"]) == 0
    login(client, "chen")  # enabling also lifts the lockout
    assert main(["user", "remove", "chen"]) == 0
    assert client.get("/", follow_redirects=False).status_code == 303
    clock.advance(timedelta(minutes=2))
    assert client.post("/login", data={"username": "chen", "password": PASSWORD}).status_code == 401
    assert main(["user", "remove", "chen"]) == 2 and "没有用户 chen" in capsys.readouterr().err
