"""How each platform hands out a photo: a token from its API, then the file from its media API.

The API bases are settings (tests point them at fake platforms on 127.0.0.1). A URL that came
in a message is never fetched as it stands: DingTalk's download URL comes from DingTalk's own
API answer, WeCom photos come by MediaId from the media API (or, for a 智能机器人, which gets
only a URL, from the configured WeCom media hosts), Feishu's by message id and image key. Every
request goes through SafeHttp: public addresses only, redirects re-checked, bodies capped.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import httpx
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.adapters.wecom_crypto import _unpad, decode_aes_key
from bot.media.safe_http import MediaRefused, SafeHttp, TooLarge
from config.settings import Settings


class PlatformRefused(Exception):
    """The platform's API answered with an error code (bad token, unknown media id): retried."""


class DingTalkFetcher:
    def __init__(self, http: SafeHttp, app_key: str, app_secret: str, base: str) -> None:
        self.http, self.app_key, self.app_secret, self.base = http, app_key, app_secret, base.rstrip("/")

    def fetch(self, ref: dict[str, Any]) -> bytes:
        token = self.http.api_json(
            "POST",
            f"{self.base}/v1.0/oauth2/accessToken",
            json_body={"appKey": self.app_key, "appSecret": self.app_secret},
        )
        if not isinstance(token, dict) or not token.get("accessToken"):
            raise PlatformRefused(f"DingTalk token: {str(token)[:200]}")
        answer = self.http.api_json(
            "POST",
            f"{self.base}/v1.0/robot/messageFiles/download",
            headers={"x-acs-dingtalk-access-token": str(token["accessToken"])},
            json_body={"downloadCode": str(ref["downloadCode"]), "robotCode": ref.get("robotCode") or self.app_key},
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("downloadUrl"), str):
            raise PlatformRefused(f"DingTalk download: {str(answer)[:200]}")
        # DingTalk's answer names its storage host; it is checked like any other address.
        data, _ = self.http.download("GET", answer["downloadUrl"])
        return data


def _host_allowed(url: str, hosts: list[str]) -> bool:
    host = httpx.URL(url).host.lower()
    return any(host == h.lower().strip(".") or host.endswith("." + h.lower().strip(".")) for h in hosts if h)


class WeComFetcher:
    """A self-built app's photo by MediaId from the media API; a 智能机器人's AES-encrypted image URL."""

    def __init__(
        self,
        http: SafeHttp,
        base: str,
        corp_id: str,
        corp_secret: str | None,
        aes_key: str | None,
        media_hosts: list[str],
    ) -> None:
        self.http, self.base = http, base.rstrip("/")
        self.corp_id, self.corp_secret = corp_id, corp_secret
        self.key = decode_aes_key(aes_key) if aes_key else None
        self.media_hosts = media_hosts

    def fetch(self, ref: dict[str, Any]) -> bytes:
        if ref.get("media_id") and self.corp_secret:
            return self._by_media_id(str(ref["media_id"]))
        url = str(ref.get("url") or "")
        if not url:
            raise MediaRefused("a WeCom photo without MediaId needs GUANJIA_WECOM_CORP_SECRET")
        if not _host_allowed(url, self.media_hosts):
            raise MediaRefused(f"not a WeCom media host (GUANJIA_WECOM_MEDIA_HOSTS): {url[:80]}")
        data, _ = self.http.download("GET", url)
        return self._decrypt(data, ref.get("aeskey")) if ref.get("encrypted") else data

    def _by_media_id(self, media_id: str) -> bytes:
        credentials = {"corpid": self.corp_id, "corpsecret": self.corp_secret or ""}
        token = self.http.api_json("GET", f"{self.base}/cgi-bin/gettoken", params=credentials)
        if not isinstance(token, dict) or token.get("errcode", 0) != 0 or not token.get("access_token"):
            raise PlatformRefused(f"WeCom token: {str(token)[:200]}")
        query = {"access_token": str(token["access_token"]), "media_id": media_id}
        data, content_type = self.http.download("GET", f"{self.base}/cgi-bin/media/get", params=query)
        if content_type.startswith(("application/json", "text/plain")):  # the API's errors come as JSON
            raise PlatformRefused(f"WeCom media: {data[:200]!r}")
        return data

    def _decrypt(self, data: bytes, message_key: Any = None) -> bytes:
        """AES-256-CBC with the message's own key (long connection) or the robot's EncodingAESKey."""
        key = self.key
        if isinstance(message_key, str) and message_key:
            try:
                key = base64.b64decode(message_key + "=" * (-len(message_key) % 4), validate=True)
            except ValueError as exc:
                raise MediaRefused("the image's aeskey is not base64") from exc
            if len(key) != 32:
                raise MediaRefused("the image's aeskey is not a 32-byte key")
        if key is None:
            raise MediaRefused("GUANJIA_WECOM_BOT_AES_KEY (or _AES_KEY) is needed to open a 智能机器人 image")
        if len(data) % 16:
            data = base64.b64decode(data)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        return _unpad(decryptor.update(data) + decryptor.finalize())


class FeishuFetcher:
    def __init__(self, http: SafeHttp, app_id: str, app_secret: str, base: str) -> None:
        self.http, self.app_id, self.app_secret, self.base = http, app_id, app_secret, base.rstrip("/")

    def fetch(self, ref: dict[str, Any]) -> bytes:
        token = self.http.api_json(
            "POST",
            f"{self.base}/open-apis/auth/v3/tenant_access_token/internal",
            json_body={"app_id": self.app_id, "app_secret": self.app_secret},
        )
        if not isinstance(token, dict) or token.get("code") != 0 or not token.get("tenant_access_token"):
            raise PlatformRefused(f"Feishu token: {str(token)[:200]}")
        message_id, image_key = str(ref["message_id"]), str(ref["image_key"])
        if "/" in message_id + image_key or ".." in message_id + image_key:
            raise MediaRefused("Feishu message id or image key with a path in it")
        data, _ = self.http.download(
            "GET",
            f"{self.base}/open-apis/im/v1/messages/{message_id}/resources/{image_key}",
            params={"type": "image"},
            headers={"Authorization": f"Bearer {token['tenant_access_token']}"},
        )
        return data


class InlineFetcher:
    """A generic bridge's inline photo (data:image/...;base64,...): decoded here, never fetched."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def fetch(self, ref: dict[str, Any]) -> bytes:
        header, _, payload = str(ref.get("data") or "").partition(",")
        if not header.lower().startswith("data:image/") or not header.lower().endswith(";base64"):
            raise MediaRefused(f"not an inline base64 image: {header[:60]}")
        if len(payload) * 3 // 4 > self.max_bytes:
            raise TooLarge(f"inline image over {self.max_bytes} bytes")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MediaRefused("inline image is not valid base64") from exc


def default_fetchers(settings: Settings) -> dict[str, Any]:
    def http() -> SafeHttp:
        return SafeHttp(settings.max_photo_bytes, allow_loopback=settings.media_allow_loopback)

    def secret(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    fetchers: dict[str, Any] = {"generic": InlineFetcher(settings.max_photo_bytes)}
    if settings.dingtalk_app_key and settings.dingtalk_app_secret:
        fetchers["dingtalk"] = DingTalkFetcher(
            http(), settings.dingtalk_app_key, secret(settings.dingtalk_app_secret) or "", settings.dingtalk_api_base
        )
    fetchers["wecom"] = WeComFetcher(
        http(),
        settings.wecom_api_base,
        settings.wecom_corp_id,
        secret(settings.wecom_corp_secret),
        secret(settings.wecom_bot_aes_key or settings.wecom_aes_key),  # only 智能机器人 images are encrypted
        settings.wecom_media_hosts,
    )
    if settings.feishu_app_id and settings.feishu_app_secret:
        fetchers["feishu"] = FeishuFetcher(
            http(), settings.feishu_app_id, secret(settings.feishu_app_secret) or "", settings.feishu_api_base
        )
    return fetchers
