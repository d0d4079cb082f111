"""Web sign-in: login form, cookie flags, throttling, CSRF on logout, sessions that end."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.web.accounts.users import set_password
from tests.support.web_helpers import PASSWORD, csrf_of, login, make_user


def test_every_page_needs_a_login(client: TestClient, chat) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    for path in ("/", "/tickets/1", "/units", "/ledger.xlsx", "/?status=open"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2F"), path
    assert client.get("/healthz").json()["status"] == "ok"


def test_login_form_and_wrong_password(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    form = client.get("/login")
    assert form.status_code == 200
    assert 'name="username"' in form.text and 'name="password"' in form.text
    assert "Content-Security-Policy" in form.headers
    wrong = client.post("/login", data={"username": "wang", "password": "nope-nope"}, follow_redirects=False)
    assert wrong.status_code == 401
    assert "用户名或密码不正确" in wrong.text
    assert "set-cookie" not in wrong.headers
    unknown = client.post("/login", data={"username": "nobody", "password": PASSWORD}, follow_redirects=False)
    assert unknown.status_code == 401


def test_session_cookie_is_httponly_lax_and_secure_when_configured(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    answer = client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie

    secure = build_services(
        services.settings.model_copy(update={"web_secure_cookies": True}),
        services.cfg,
        clock=services.clock,
        engine=services.engine,
    )
    with TestClient(create_app(secure)) as https_client:
        answer = https_client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False)
    assert "; secure" in answer.headers["set-cookie"].lower()


def test_login_is_rate_limited(client: TestClient, services: AppServices, clock) -> None:
    from datetime import timedelta

    make_user(services, "wang", "supervisor")
    for _ in range(5):
        assert client.post("/login", data={"username": "wang", "password": "guess-guess"}).status_code == 401
    blocked = client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False)
    assert blocked.status_code == 429
    assert "登录失败次数过多，请1分钟后" in blocked.text and blocked.headers["retry-after"] == "60"
    clock.advance(timedelta(minutes=1, seconds=1))
    assert (
        client.post("/login", data={"username": "wang", "password": PASSWORD}, follow_redirects=False).status_code
        == 303
    )


def test_next_is_followed_only_within_the_site(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    data = {"username": "wang", "password": PASSWORD}
    local = client.post("/login", data={**data, "next": "/units"}, follow_redirects=False)
    assert local.headers["location"] == "/units"
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = client.post("/login", data={**data, "next": evil}, follow_redirects=False)
        assert answer.headers["location"] == "/", evil


def test_logout_needs_the_csrf_token(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_tampered_or_stale_session_is_refused(client: TestClient, services: AppServices, clock) -> None:
    from datetime import timedelta

    make_user(services, "wang", "supervisor")
    login(client, "wang")
    value = client.cookies.get("guanjia_session")
    assert value
    client.cookies.set("guanjia_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303

    client.cookies.clear()
    login(client, "wang")
    with services.session_factory() as session, session.begin():
        set_password(session, "wang", "another-password", services.clock.now())
    assert client.get("/", follow_redirects=False).status_code == 303, "a password change ends the session"

    login(client, "wang", "another-password")
    clock.advance(timedelta(hours=services.settings.web_session_hours, minutes=1))
    assert client.get("/", follow_redirects=False).status_code == 303, "sessions expire"


def test_csrf_token_differs_per_session(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    first = login(client, "wang")
    second = login(client, "wang")
    assert first != second
    assert csrf_of(client.get("/units").text) == second
