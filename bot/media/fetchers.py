"""How each platform hands out a photo: token, then the file. Base URLs are overridable for tests."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.adapters.wecom_crypto import _unpad, decode_aes_key
from config.settings import Settings


class DingTalkFetcher:
    def __init__(
        self, app_key: str, app_secret: str, base: str = "https://api.dingtalk.com", timeout: float = 20
    ) -> None:
        self.app_key, self.app_secret, self.base = app_key, app_secret, base.rstrip("/")
        self.client = httpx.Client(timeout=timeout)

    def fetch(self, ref: dict[str, Any]) -> bytes:
        token = self.client.post(
            f"{self.base}/v1.0/oauth2/accessToken", json={"appKey": self.app_key, "appSecret": self.app_secret}
        )
        token.raise_for_status()
        response = self.client.post(
            f"{self.base}/v1.0/robot/messageFiles/download",
            headers={"x-acs-dingtalk-access-token": token.json()["accessToken"]},
            json={"downloadCode": ref["downloadCode"], "robotCode": ref.get("robotCode") or self.app_key},
        )
        response.raise_for_status()
        file = self.client.get(response.json()["downloadUrl"])
        file.raise_for_status()
        return file.content


class WeComFetcher:
    """A self-built app's PicUrl is a plain download; a 智能机器人's image URL is AES-encrypted."""

    def __init__(self, aes_key: str | None, timeout: float = 20) -> None:
        self.key = decode_aes_key(aes_key) if aes_key else None
        self.client = httpx.Client(timeout=timeout)

    def fetch(self, ref: dict[str, Any]) -> bytes:
        response = self.client.get(ref["url"])
        response.raise_for_status()
        if not ref.get("encrypted"):
            return response.content
        if self.key is None:
            raise RuntimeError("GUANJIA_WECOM_AES_KEY is needed to open a 智能机器人 image")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        data = response.content
        if len(data) % 16:
            data = base64.b64decode(data)
        return _unpad(decryptor.update(data) + decryptor.finalize())


class FeishuFetcher:
    def __init__(self, app_id: str, app_secret: str, base: str = "https://open.feishu.cn", timeout: float = 20) -> None:
        self.app_id, self.app_secret, self.base = app_id, app_secret, base.rstrip("/")
        self.client = httpx.Client(timeout=timeout)

    def fetch(self, ref: dict[str, Any]) -> bytes:
        token = self.client.post(
            f"{self.base}/open-apis/auth/v3/tenant_access_token/internal",
            json={"app_id": self.app_id, "app_secret": self.app_secret},
        )
        token.raise_for_status()
        response = self.client.get(
            f"{self.base}/open-apis/im/v1/messages/{ref['message_id']}/resources/{ref['image_key']}",
            params={"type": "image"},
            headers={"Authorization": f"Bearer {token.json()['tenant_access_token']}"},
        )
        response.raise_for_status()
        return response.content


def default_fetchers(settings: Settings) -> dict[str, Any]:
    fetchers: dict[str, Any] = {}
    if settings.dingtalk_app_key and settings.dingtalk_app_secret:
        fetchers["dingtalk"] = DingTalkFetcher(
            settings.dingtalk_app_key, settings.dingtalk_app_secret.get_secret_value()
        )
    aes = settings.wecom_aes_key.get_secret_value() if settings.wecom_aes_key else None
    fetchers["wecom"] = WeComFetcher(aes)
    if settings.feishu_app_id and settings.feishu_app_secret:
        fetchers["feishu"] = FeishuFetcher(settings.feishu_app_id, settings.feishu_app_secret.get_secret_value())
    return fetchers
