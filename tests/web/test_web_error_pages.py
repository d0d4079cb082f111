"""Errors on the web pages come back as the styled error page; the JSON API keeps its JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.app_services import AppServices, build_services
from config.settings import Settings
from tests.support.web_helpers import login, make_user

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"}


def assert_error_page(answer, status: int, *words: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    assert '<section class="card">' in answer.text and "返回台账" in answer.text
    assert "{" not in answer.text.split("<main", 1)[1].split("</main>")[0], "no JSON in the page"
    assert "Content-Security-Policy" in answer.headers
    for word in words:
        assert word in answer.text, word


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/tickets/abc", 422, ("参数无效", "ticket_id")),
        ("/exports/abc", 422, ("参数无效", "job_id")),
        ("/nonexistent", 404, ("没有找到这个页面",)),
    ],
)
def test_a_supervisor_sees_the_error_page(
    client: TestClient, services: AppServices, path: str, status: int, words: tuple[str, ...]
) -> None:
    make_user(services, "wang", "supervisor", display_name="王主任")
    login(client, "wang")
    answer = client.get(path, headers=BROWSER)
    assert_error_page(answer, status, *words)
    assert "王主任" in answer.text, "the page keeps the signed-in header"


def test_a_unit_member_is_refused_the_share_links_in_a_page(client: TestClient, services: AppServices) -> None:
    make_user(services, "chen", "unit", unit="hws")
    login(client, "chen")
    assert_error_page(client.get("/shares", headers=BROWSER), 403, "只有创城办可以管理分享链接")


def test_unknown_page_without_signing_in(client: TestClient) -> None:
    assert_error_page(client.get("/nonexistent", headers=BROWSER), 404, "没有找到这个页面")
    # A page that needs a login still sends the browser to it, not to an error page.
    answer = client.get("/tickets/abc", headers=BROWSER, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_a_stale_form_is_refused_in_a_page(client: TestClient, services: AppServices) -> None:
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.post("/tickets/1/act", data={"csrf_token": "forged", "action": "claim"}, headers=BROWSER)
    assert_error_page(answer, 403, "表单已过期")


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/tickets/abc", 422, "invalid_request"),
        ("/api/nonexistent", 404, "Not Found"),
        ("/webhook/nonexistent", 404, "Not Found"),
        ("/api/tickets/999", 404, None),
    ],
)
def test_the_json_api_keeps_json(
    client: TestClient, services: AppServices, path: str, status: int, body: str | None
) -> None:
    make_user(services, "wang", "supervisor")
    login(client, "wang")  # a browser with a session cookie still gets JSON from the API
    answer = client.get(path, headers=BROWSER)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json"
    if body is not None:
        assert body in answer.text
    assert client.get("/healthz", headers=BROWSER).json()["status"] == "ok"


def test_database_down_is_a_page_too(settings: Settings) -> None:
    down = settings.model_copy(update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    services = build_services(down)
    with TestClient(create_app(services)) as client:
        client.cookies.set("guanjia_session", "x" * 43)  # the session lookup is what finds the database down
        page = client.get("/", headers=BROWSER)
        assert_error_page(page, 503, "服务暂时不可用", "数据库暂时不可用")
        assert page.headers["retry-after"] == "5"
        api = client.get("/api/tickets", headers=BROWSER)
        assert api.status_code == 503 and api.json()["error"] == "database_unavailable"
    services.engine.dispose()
