"""Issue 14 finding 17: dates and timestamps at the edge of the calendar get a clear 4xx, never a 500.

Each test is the request an attacker (or a curious user editing the URL) sends; a 500 would
mean an unhandled overflow and, behind a proxy, an alert and a log full of tracebacks.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.app_services import AppServices
from tests.support.web_helpers import login, make_user


@pytest.fixture
def staff(client: TestClient, services: AppServices) -> TestClient:
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/?since=0001-01-01",
        "/?until=9999-12-31",
        "/?since=0001-01-01&until=0001-01-02",
        "/ledger.xlsx?since=0001-01-01",
        "/ledger.xlsx?until=9999-12-31",
        "/ledger.xlsx",
        "/units?week=0001-01-08",
        "/units?week=0001-01-01",
        "/units?week=9999-12-31",
    ],
)
def test_extreme_dates_on_the_web_pages_are_never_a_server_error(staff: TestClient, path: str) -> None:
    response = staff.get(path)
    assert response.status_code < 500, (path, response.text[:300])


@pytest.mark.parametrize(
    "since",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+00:00"],
)
def test_extreme_since_on_the_read_api_is_a_4xx_or_an_answer(client: TestClient, since: str) -> None:
    response = client.get("/api/tickets", params={"since": since})
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert response.json()["message"]  # says what is wrong


@pytest.mark.parametrize("path", ["/api/export.xlsx?since=0001-01-01", "/api/export.xlsx?until=9999-12-31"])
def test_extreme_export_dates_are_never_a_server_error(client: TestClient, path: str) -> None:
    assert client.get(path).status_code < 500


def test_a_400_digit_timestamp_is_refused_with_401_not_500(services: AppServices) -> None:
    services.settings = services.settings.model_copy(update={"generic_secret": SecretStr("gen-secret-4411")})
    body = json.dumps(
        {"msg_id": "x", "group_id": "demo", "sender_id": "a", "sender_name": "a", "text": "收到"}
    ).encode()
    with TestClient(create_app(services)) as client:
        response = client.post(
            "/webhook/generic",
            content=body,
            headers={"X-Guanjia-Timestamp": "9" * 400, "X-Guanjia-Signature": "0" * 64},
        )
    assert response.status_code == 401
