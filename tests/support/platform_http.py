"""Signed and encrypted callbacks, as DingTalk, WeCom and Feishu send them, for the HTTP route tests."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.adapters import dingtalk, feishu_crypto
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.core.clock import Clock
from config.settings import Settings

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
_DING_MS = itertools.count()


def _now_s(client: TestClient) -> str:
    """The app's own clock in unix seconds: WeCom and Feishu timestamps must be fresh."""
    return str(int(client.app.state.services.clock.now().timestamp()))  # type: ignore[attr-defined]


def platform_settings(database_url: str, media_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        dingtalk_app_secret=SecretStr("ding-secret"),
        wecom_token=SecretStr("wecom-token"),
        wecom_aes_key=SecretStr(AES_KEY),
        wecom_corp_id="",
        feishu_encrypt_key=SecretStr("feishu-key"),
        feishu_verification_token=SecretStr("vtoken"),
        media_dir=media_dir,
    )


def ding(client: TestClient, clock: Clock, body: dict[str, Any], secret: str = "ding-secret", age_s: int = 0) -> Any:
    # Each callback is stamped its own millisecond, as DingTalk's are: a sign is bound to one message.
    ts = str(int(clock.now().timestamp() * 1000) - age_s * 1000 - next(_DING_MS))
    headers = {"timestamp": ts, "sign": dingtalk.sign(secret, ts)}
    return client.post("/webhook/dingtalk", content=json.dumps(body, ensure_ascii=False).encode(), headers=headers)


def wecom_post(client: TestClient, plain: bytes, receive_id: str = "", token: str = "wecom-token") -> Any:
    """A 智能机器人 (JSON) or, for an XML plaintext, a 自建应用 callback."""
    crypt = WXBizMsgCrypt(token, AES_KEY, receive_id)
    now_s = _now_s(client)
    encrypted, sig = crypt.seal(plain, now_s, "nonce1")
    params = {"msg_signature": sig, "timestamp": now_s, "nonce": "nonce1"}
    if plain.lstrip().startswith(b"<"):
        body = f"<xml><ToUserName><![CDATA[{receive_id}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        return client.post("/webhook/wecom", params=params, content=body)
    return client.post("/webhook/wecom", params=params, content=json.dumps({"encrypt": encrypted}))


def wecom_answer(response: Any) -> str:
    """The decrypted passive reply of a WeCom callback ("" when it answered `success`)."""
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    if response.text == "success":
        return ""
    if response.text.startswith("<xml>"):
        root = ET.fromstring(response.text)
        parts = [root.findtext(k) or "" for k in ("MsgSignature", "TimeStamp", "Nonce", "Encrypt")]
        return crypt.open(*parts).decode()
    envelope = response.json()
    sealed = (envelope["msgsignature"], str(envelope["timestamp"]), envelope["nonce"], envelope["encrypt"])
    return crypt.open(*sealed).decode()


def feishu_post(client: TestClient, event: dict[str, Any], key: str = "feishu-key", sign: bool = True) -> Any:
    body = json.dumps({"encrypt": feishu_crypto.encrypt(key, json.dumps(event).encode())}).encode()
    headers = {"content-type": "application/json"}
    if sign:
        now_s = _now_s(client)
        headers |= {
            "X-Lark-Request-Timestamp": now_s,
            "X-Lark-Request-Nonce": "n1",
            "X-Lark-Signature": feishu_crypto.request_signature(now_s, "n1", key, body),
        }
    return client.post("/webhook/feishu", content=body, headers=headers)
