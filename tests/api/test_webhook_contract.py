"""The generic webhook contract: signatures, limits, readable errors, retries answered once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.adapters.generic import sign
from bot.api.errors import UNAUTHENTICATED
from bot.app import create_app
from bot.app_services import AppServices
from bot.core.clock import ManualClock

REPORT = "府前街与南环路交叉口西北角垃圾堆了两天了"


def message(msg_id: str = "wx-1", text: str = REPORT, **extra: Any) -> dict[str, Any]:
    return {"msg_id": msg_id, "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格", "text": text} | extra


def ticket_count(client: TestClient) -> int:
    total: int = client.get("/api/tickets").json()["total"]
    return total


@pytest.fixture
def signed_client(services: AppServices) -> Any:
    services.settings = services.settings.model_copy(update={"generic_secret": SecretStr("s3cret-key")})
    with TestClient(create_app(services)) as client:
        yield client


def signed_headers(body: bytes, timestamp: int, secret: str = "s3cret-key") -> dict[str, str]:
    ts = str(timestamp)
    return {
        "X-Guanjia-Timestamp": ts,
        "X-Guanjia-Signature": sign(secret, ts, body),
        "Content-Type": "application/json",
    }


def test_signed_request_is_accepted(signed_client: TestClient, clock: ManualClock) -> None:
    body = json.dumps(message()).encode()
    response = signed_client.post(
        "/webhook/generic", content=body, headers=signed_headers(body, int(clock.now().timestamp()))
    )
    assert response.status_code == 200
    assert len(response.json()["tickets"]) == 1


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "missing X-Guanjia-Timestamp or X-Guanjia-Signature header"),
        ("wrong_secret", "signature does not match"),
        ("tampered_body", "signature does not match"),
        ("stale", "more than 300 s away"),
        ("future", "more than 300 s away"),
        ("not_a_number", "must be unix seconds"),
    ],
)
def test_bad_signature_is_refused_and_nothing_is_stored(
    signed_client: TestClient, clock: ManualClock, case: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(message()).encode()
    now = int(clock.now().timestamp())
    headers = {
        "missing": {"Content-Type": "application/json"},
        "wrong_secret": signed_headers(body, now, secret="guess"),
        "tampered_body": signed_headers(json.dumps(message(text="别的内容")).encode(), now),
        "stale": signed_headers(body, now - 301),
        "future": signed_headers(body, now + 301),
        "not_a_number": signed_headers(body, now) | {"X-Guanjia-Timestamp": "yesterday"},
    }[case]
    response = signed_client.post("/webhook/generic", content=body, headers=headers)
    assert response.status_code == 401
    # One answer for every failure (no oracle); the reason is in the operator's log.
    assert response.json() == UNAUTHENTICATED
    assert expected in caplog.text
    assert ticket_count(signed_client) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "body is not valid JSON"),
        (b"[1, 2]", "body must be a JSON object"),
        (
            json.dumps({"msg_id": "x", "group_id": "g", "sender_id": "s", "sender_name": "n"}).encode(),
            "text: Field required",
        ),
        (json.dumps(message(images="not-a-list")).encode(), "images: Input should be a valid list"),
        (json.dumps(message(msg_id="")).encode(), "msg_id: String should have at least 1 character"),
        (json.dumps(message(sent_at="next tuesday")).encode(), "sent_at:"),
    ],
)
def test_malformed_body_gets_422_with_readable_message(client: TestClient, body: bytes, expected: str) -> None:
    response = client.post("/webhook/generic", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert expected in response.json()["message"]
    assert ticket_count(client) == 0


def test_body_over_64_kib_is_413(client: TestClient) -> None:
    body = json.dumps(message(text="垃圾" * 40_000)).encode()
    assert len(body) > 64 * 1024
    response = client.post("/webhook/generic", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert ticket_count(client) == 0


def test_retry_with_same_msg_id_returns_first_answer_and_changes_nothing(client: TestClient) -> None:
    first = client.post("/webhook/generic", json=message("dup-1"))
    again = client.post("/webhook/generic", json=message("dup-1"))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert ticket_count(client) == 1
    ticket_id = first.json()["tickets"][0]
    claim = message("dup-2", text=f"认领 {ticket_id}", sender_id="hws_chen")
    assert client.post("/webhook/generic", json=claim).json() == client.post("/webhook/generic", json=claim).json()
    events = client.get(f"/api/tickets/{ticket_id}").json()["events"]
    assert [e["type"] for e in events] == ["reported", "dispatched", "claimed"]


def test_concurrent_deliveries_of_one_message_make_one_ticket(services: AppServices) -> None:
    app = create_app(services)

    async def deliver_many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(*(http.post("/webhook/generic", json=message("race-1")) for _ in range(8)))

    responses = asyncio.run(deliver_many())
    assert {r.status_code for r in responses} == {200}
    bodies = {json.dumps(r.json(), sort_keys=True) for r in responses}
    assert len(bodies) == 1
    with TestClient(app) as client:
        assert ticket_count(client) == 1


def test_concurrent_claims_by_two_members_one_wins(services: AppServices, chat: Any) -> None:
    ticket_id = chat.report("兴隆家园8号楼2单元楼道里堆满了纸箱、旧沙发")
    app = create_app(services)

    async def claim_both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(
                *(
                    http.post("/webhook/generic", json=message(f"claim-{who}", text=f"认领 {ticket_id}", sender_id=who))
                    for who in ("sd_zhu", "sd_qin")
                )
            )

    texts = [r.json()["replies"][0]["text"] for r in asyncio.run(claim_both())]
    winners = [t for t in texts if "请于" in t]
    assert len(winners) == 1, texts
    winner_name = "朱社区" if "朱社区" in winners[0] else "秦物业"
    assert f"#{ticket_id} 已由{winner_name}认领" in texts
