"""Issue 14 findings 8 and 16: no oracle in the callbacks, and no replay of a captured request.

The attacker has seen one genuine request (its headers and body, from a proxy log) and can send
anything; they must learn nothing from the answers and get nothing accepted.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.adapters import dingtalk, feishu_crypto, generic
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.api import platform_webhooks
from bot.api.errors import UNAUTHENTICATED
from bot.app import create_app
from bot.app_services import AppServices
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from tests.support.platform_factories import REPORT, dingtalk_message, feishu_event, platform_cfg, wecom_robot_message

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
FEISHU_KEY = "feishu-key"


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    return Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        generic_secret=SecretStr("generic-secret-77"),
        dingtalk_app_secret=SecretStr("ding-secret"),
        wecom_token=SecretStr("wecom-token"),
        wecom_aes_key=SecretStr(AES_KEY),
        feishu_encrypt_key=SecretStr(FEISHU_KEY),
        feishu_verification_token=SecretStr("vtoken"),
        media_dir=tmp_path / "media",
    )


def tickets(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/tickets").json()["items"]
    return items


def now_s(clock: ManualClock) -> str:
    return str(int(clock.now().timestamp()))


# --- finding 8: Feishu's padding oracle ------------------------------------------------------


def feishu_raw(client: TestClient, encrypted: str, headers: dict[str, str] | None = None) -> Any:
    body = json.dumps({"encrypt": encrypted}).encode()
    return client.post("/webhook/feishu", content=body, headers={"content-type": "application/json", **(headers or {})})


def forged_ciphertexts() -> dict[str, str]:
    """What a padding-oracle attack sends: a captured ciphertext with a tampered IV/last block."""
    genuine = base64.b64decode(feishu_crypto.encrypt(FEISHU_KEY, json.dumps(feishu_event("om_1", REPORT)).encode()))
    bad_padding = genuine[:-17] + bytes([genuine[-17] ^ 0x01]) + genuine[-16:]
    # Valid padding, plaintext that is not JSON: the answer must not differ from bad padding.
    not_json = feishu_crypto.encrypt(FEISHU_KEY, b"\x00\x01 not json")
    return {
        "bad padding": base64.b64encode(bad_padding).decode(),
        "short": base64.b64encode(genuine[:16]).decode(),
        "not base64": "!!!",
        "good padding, not json": not_json,
        "genuine, unsigned": base64.b64encode(genuine).decode(),
    }


def test_feishu_answers_every_forged_ciphertext_the_same(client: TestClient) -> None:
    answers = {name: feishu_raw(client, c) for name, c in forged_ciphertexts().items()}
    assert {a.status_code for a in answers.values()} == {401}
    assert len({a.content for a in answers.values()}) == 1, {n: a.text for n, a in answers.items()}
    assert tickets(client) == []


def test_feishu_never_decrypts_a_request_with_a_wrong_signature(
    client: TestClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    decrypted: list[str] = []
    real = feishu_crypto.decrypt
    monkeypatch.setattr(platform_webhooks.feishu_crypto, "decrypt", lambda k, e: decrypted.append(e) or real(k, e))
    for ciphertext in forged_ciphertexts().values():
        headers = {"X-Lark-Request-Timestamp": now_s(clock), "X-Lark-Request-Nonce": "n", "X-Lark-Signature": "0" * 64}
        assert feishu_raw(client, ciphertext, headers).json() == UNAUTHENTICATED
    assert decrypted == []


# --- one indistinguishable 401 on every platform -----------------------------------------------


def test_every_platform_refuses_with_the_same_401(client: TestClient, clock: ManualClock) -> None:
    ts_ms = str(int(clock.now().timestamp() * 1000))
    body = json.dumps(dingtalk_message("d-1", REPORT)).encode()
    generic_body = json.dumps(
        {"msg_id": "g", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李", "text": REPORT}
    )
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    encrypted, good_sig = crypt.seal(wecom_robot_message("w-1", REPORT), now_s(clock), "n")
    refused = [
        client.post("/webhook/generic", content=generic_body, headers={"X-Guanjia-Timestamp": now_s(clock), "X-Guanjia-Signature": "0" * 64}),
        client.post("/webhook/generic", content=generic_body, headers={"X-Guanjia-Timestamp": "9" * 400, "X-Guanjia-Signature": "0"}),
        client.post("/webhook/dingtalk", content=body, headers={"timestamp": ts_ms, "sign": "forged"}),
        client.post("/webhook/dingtalk", content=body, headers={"timestamp": "1", "sign": dingtalk.sign("ding-secret", "1")}),
        client.post("/webhook/wecom", params={"msg_signature": "0" * 40, "timestamp": now_s(clock), "nonce": "n"}, content=json.dumps({"encrypt": encrypted})),
        client.post("/webhook/wecom", params={"msg_signature": good_sig, "timestamp": now_s(clock), "nonce": "n"}, content=b"<xml>"),
        client.get("/webhook/wecom", params={"msg_signature": "0" * 40, "timestamp": now_s(clock), "nonce": "n", "echostr": "x"}),
        feishu_raw(client, forged_ciphertexts()["bad padding"]),
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert {r.content for r in refused} == {
        json.dumps(UNAUTHENTICATED, ensure_ascii=False, separators=(",", ":")).encode()
    }
    assert tickets_count(client) == 0


def tickets_count(client: TestClient) -> int:
    return len(tickets(client))


# --- finding 16: freshness and replay ----------------------------------------------------------


def test_captured_dingtalk_headers_cannot_carry_another_message(client: TestClient, clock: ManualClock) -> None:
    ts = str(int(clock.now().timestamp() * 1000))
    captured = {"timestamp": ts, "sign": dingtalk.sign("ding-secret", ts)}
    genuine = client.post(
        "/webhook/dingtalk", content=json.dumps(dingtalk_message("d-1", "大家辛苦了")), headers=captured
    )
    assert genuine.status_code == 200
    clock.advance(timedelta(minutes=30))  # well inside DingTalk's hour
    forged = dingtalk_message("d-2", REPORT, senderStaffId="staff-li")
    replay = client.post("/webhook/dingtalk", content=json.dumps(forged, ensure_ascii=False), headers=captured)
    assert replay.status_code == 401 and replay.json() == UNAUTHENTICATED
    assert tickets(client) == []
    retry = client.post(
        "/webhook/dingtalk", content=json.dumps(dingtalk_message("d-1", "大家辛苦了")), headers=captured
    )
    assert retry.status_code == 200 and retry.json() == genuine.json()  # the platform's own retry still works


def test_wecom_refuses_a_correctly_signed_request_from_years_ago(client: TestClient, clock: ManualClock) -> None:
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    for stamp in ("1409659813", str(int(clock.now().timestamp()) - 301), str(int(clock.now().timestamp()) + 301)):
        encrypted, sig = crypt.seal(wecom_robot_message("w-1", REPORT), stamp, "n")
        params = {"msg_signature": sig, "timestamp": stamp, "nonce": "n"}
        assert (
            client.post("/webhook/wecom", params=params, content=json.dumps({"encrypt": encrypted})).status_code == 401
        )
    assert tickets(client) == []


def test_feishu_refuses_a_correctly_signed_request_replayed_later(client: TestClient, clock: ManualClock) -> None:
    stamp = now_s(clock)
    body = json.dumps(
        {"encrypt": feishu_crypto.encrypt(FEISHU_KEY, json.dumps(feishu_event("om_1", REPORT)).encode())}
    ).encode()
    headers = {
        "content-type": "application/json",
        "X-Lark-Request-Timestamp": stamp,
        "X-Lark-Request-Nonce": "n1",
        "X-Lark-Signature": feishu_crypto.request_signature(stamp, "n1", FEISHU_KEY, body),
    }
    clock.advance(timedelta(seconds=301))
    assert client.post("/webhook/feishu", content=body, headers=headers).status_code == 401
    assert tickets(client) == []


def test_generic_webhook_refuses_a_signed_request_replayed_later(client: TestClient, clock: ManualClock) -> None:
    body = json.dumps(
        {"msg_id": "g", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李", "text": REPORT}
    ).encode()
    stamp = now_s(clock)
    headers = {"X-Guanjia-Timestamp": stamp, "X-Guanjia-Signature": generic.sign("generic-secret-77", stamp, body)}
    clock.advance(timedelta(seconds=301))
    assert client.post("/webhook/generic", content=body, headers=headers).status_code == 401


def test_feishu_token_only_mode_warns_at_start(services: AppServices, caplog: pytest.LogCaptureFixture) -> None:
    services.settings = services.settings.model_copy(update={"feishu_encrypt_key": None})
    with caplog.at_level(logging.WARNING):
        create_app(services)
    assert "anyone who has the token can forge" in caplog.text
