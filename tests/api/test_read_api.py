"""GET /api/tickets filters and pages; GET /api/tickets/{id} shows the whole history."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from tests.support.chat import Chat


def test_filters_and_pagination(client: TestClient, chat: Chat, clock: ManualClock) -> None:
    g1 = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    clock.advance(timedelta(days=1))
    since = clock.now().isoformat()
    p1 = chat.report("东关大街与北环路交叉口有辆白色轿车停在人行道上")
    g2 = chat.report("槐香里小区南门外这段路上全是烟头和垃圾，好几天没人扫了")
    chat.say(f"认领 {p1}", sender="jtzd_zhou")

    assert client.get("/api/tickets").json()["total"] == 3
    by_unit = client.get("/api/tickets", params={"unit": "hws"}).json()
    assert sorted(t["id"] for t in by_unit["items"]) == sorted([g1, g2])
    claimed = client.get("/api/tickets", params={"status": "claimed"}).json()["items"]
    assert [t["id"] for t in claimed] == [p1]
    assert claimed[0]["unit_name"] == "交警支队" and claimed[0]["category"] == "car_parking"
    recent = client.get("/api/tickets", params={"since": since}).json()["items"]
    assert sorted(t["id"] for t in recent) == sorted([p1, g2])
    older = client.get("/api/tickets", params={"until": since}).json()["items"]
    assert [t["id"] for t in older] == [g1]
    cat = client.get("/api/tickets", params={"category": "garbage", "status": "dispatched"}).json()
    assert cat["total"] == 2

    page1 = client.get("/api/tickets", params={"per_page": 2}).json()
    page2 = client.get("/api/tickets", params={"per_page": 2, "page": 2}).json()
    assert page1["total"] == page2["total"] == 3
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert {t["id"] for t in page1["items"]} | {t["id"] for t in page2["items"]} == {g1, p1, g2}


def test_detail_has_contract_fields_and_events(client: TestClient, chat: Chat) -> None:
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    detail = client.get(f"/api/tickets/{n}").json()
    for key in (
        "id", "status", "category", "unit", "location", "urgent", "text", "reporter_id", "group_id",
        "created_at", "claim_deadline", "fix_deadline", "duplicate_of", "events",
    ):  # fmt: skip
        assert key in detail
    assert detail["created_at"] == "2026-11-23T01:00:00+00:00"
    assert detail["claim_deadline"] == "2026-11-23T03:00:00+00:00"
    assert detail["fix_deadline"] == "2026-11-24T01:00:00+00:00"
    assert detail["events"][0] == {
        "type": "reported",
        "actor_id": "wgy_li",
        "actor_kind": "chat",
        "at": "2026-11-23T01:00:00+00:00",
        "note": "府前街与南环路交叉口西北角垃圾堆了两天了",
    }


def test_bad_requests_are_readable(client: TestClient) -> None:
    missing = client.get("/api/tickets/12345")
    assert missing.status_code == 404 and missing.json()["message"] == "没有找到工单 #12345"
    for params, expected in [
        ({"status": "done"}, "status: Input should be"),
        ({"unit": "mars"}, "unknown unit code 'mars'"),
        ({"category": "ufo"}, "unknown category code 'ufo'"),
        ({"since": "yesterday"}, "since:"),
        ({"since": "2026-11-23T00:00:00"}, "give a time zone offset"),
        ({"page": 0}, "page: Input should be greater than or equal to 1"),
        ({"per_page": 1000}, "per_page: Input should be less than or equal to 200"),
    ]:
        response = client.get("/api/tickets", params=params)
        assert response.status_code == 422, params
        assert expected in response.json()["message"], response.json()
    assert client.get("/api/tickets/abc").status_code == 422


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_api_token_guards_the_read_api_when_set(services: AppServices) -> None:
    from pydantic import SecretStr

    from bot.app import create_app

    services.settings = services.settings.model_copy(update={"api_token": SecretStr("t0ken")})
    with TestClient(create_app(services)) as guarded:
        refused = guarded.get("/api/tickets")
        assert refused.status_code == 401
        assert "GUANJIA_API_TOKEN" in refused.json()["detail"]
        assert guarded.get("/api/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert guarded.get("/api/tickets", headers={"Authorization": "Bearer t0ken"}).status_code == 200
        assert guarded.get("/healthz").status_code == 200
