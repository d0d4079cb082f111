"""`guanjia chat --platform dingtalk|wecom|feishu --url …`: talk to a running server as the platform does.

Each line is signed or encrypted exactly as the platform would (with the server's own
GUANJIA_* secrets), posted to /webhook/<platform>, and the platform-format reply decoded.
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import httpx

from bot.adapters import dingtalk, feishu_crypto
from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.chat.cards import click_command
from bot.core.clock import Clock
from config.schema import GuanjiaConfig
from config.settings import Settings


class SetupError(Exception):
    pass


def identity_note(cfg: GuanjiaConfig, platform: str, person: str) -> str | None:
    """Why commands will be refused for `person`: the server knows people on a platform only
    by the platform ids in `people`, and the demo config gives none, so the server takes the
    sender for an outsider (`wecom:hws_chen`) with no unit's and no 创城办's rights."""
    contact = cfg.contacts.get(person)
    if person not in cfg.people or (contact is not None and contact.platform_id(platform)):
        return None
    name = cfg.display_name(person)
    return (
        f"（提示：配置 people 里的{name}（{person}）没有 {platform} 的 id，服务器会把 TA 当作群外人员"
        f" {platform}:{person}，认领、完成等命令会被拒绝。要以 TA 的身份试，在 people 里写"
        f"  {person}: {{name: {name}, {platform}: {person}}}  后重启服务器）"
    )


def wecom_reply_lines(content: dict[str, Any]) -> list[str]:
    """A 智能机器人's decrypted passive reply as the chat would show it.

    Why not only the stream: with GUANJIA_WECOM_BOT_CARDS=true a reply with buttons is a
    `template_card` (bot/adapters/wecom_cards.py). The simulator cannot press a button, so
    each is shown with the command that does the same (a click runs exactly that command).
    """
    if content.get("msgtype") == "stream":
        return ["🤖 " + str(content["stream"]["content"]).replace("\n", "\n   ")]
    card = content.get("template_card")
    if content.get("msgtype") != "template_card" or not isinstance(card, dict):
        return [f"（无法显示的回复：{json.dumps(content, ensure_ascii=False)[:200]}）"]
    lines = ["🤖 " + str(card.get("sub_title_text") or "").replace("\n", "\n   ")]
    buttons, commands = [], []
    for button in card.get("button_list") or []:
        buttons.append(f"[{button.get('text')}]")
        action, _, number = str(button.get("key") or "").partition(":")
        command = click_command(int(number), action) if number.isdigit() else None
        if command is not None:
            commands.append(command)
    if buttons:
        lines.append("   卡片按钮：" + " ".join(buttons))
    if commands:
        lines.append("   （模拟器不能点按钮，输入同样的命令即可：" + " / ".join(commands) + "）")
    return lines


class PlatformChat:
    def __init__(
        self,
        platform: str,
        url: str,
        settings: Settings,
        cfg: GuanjiaConfig,
        sender: str,
        group: str,
        clock: Clock,
        client: httpx.Client | None = None,
    ) -> None:
        self.platform, self.url, self.settings, self.cfg = platform, url.rstrip("/"), settings, cfg
        self.sender, self.group = sender, group
        self.client = client or httpx.Client(timeout=30)
        self.clock = clock  # signs each request's timestamp; `guanjia chat` passes the wall clock
        needed = {
            "dingtalk": [("GUANJIA_DINGTALK_APP_SECRET", settings.dingtalk_app_secret)],
            "wecom": [
                ("GUANJIA_WECOM_BOT_TOKEN (or GUANJIA_WECOM_TOKEN)", settings.wecom_bot_token or settings.wecom_token),
                (
                    "GUANJIA_WECOM_BOT_AES_KEY (or GUANJIA_WECOM_AES_KEY)",
                    settings.wecom_bot_aes_key or settings.wecom_aes_key,
                ),
            ],
            "feishu": [("GUANJIA_FEISHU_VERIFICATION_TOKEN", settings.feishu_verification_token)],
        }[platform]
        missing = [name for name, value in needed if value is None]
        if missing:
            raise SetupError(f"set {', '.join(missing)} (the same values as the server's) to sign as {platform}")

    def _platform_id(self, person: str) -> str:
        contact = self.cfg.contacts.get(person)
        return (contact.platform_id(self.platform) if contact else None) or person

    def _chat_id(self) -> str:
        group = self.cfg.groups.get(self.group)
        return (group.chat_ids.get(self.platform) if group else None) or self.group  # type: ignore[call-overload]

    def send(self, text: str) -> list[str]:
        handler = {"dingtalk": self._dingtalk, "wecom": self._wecom, "feishu": self._feishu}[self.platform]
        try:
            return handler(text)
        except httpx.HTTPError as exc:
            return [f"（连接失败：{exc}）"]

    def _dingtalk(self, text: str) -> list[str]:
        assert self.settings.dingtalk_app_secret is not None
        ts = str(int(self.clock.now().timestamp() * 1000))
        body = {
            "msgId": f"sim{uuid.uuid4().hex}",
            "msgtype": "text",
            "text": {"content": text},
            "senderStaffId": self._platform_id(self.sender),
            "senderNick": self.cfg.display_name(self.sender),
            "conversationId": self._chat_id(),
            "conversationType": "2",
            "createAt": int(ts),
        }
        headers = {"timestamp": ts, "sign": dingtalk.sign(self.settings.dingtalk_app_secret.get_secret_value(), ts)}
        response = self.client.post(f"{self.url}/webhook/dingtalk", json=body, headers=headers)
        if response.status_code != 200:
            return [f"（HTTP {response.status_code}：{response.text}）"]
        data = response.json()
        if data.get("msgtype") == "empty":
            return ["（机器人未回复）"]
        content = data.get("text", {}).get("content") or data.get("markdown", {}).get("text", "")
        return ["🤖 " + content.replace("\n", "\n   "), f"   at: {json.dumps(data.get('at'), ensure_ascii=False)}"]

    def _wecom(self, text: str) -> list[str]:
        # Sealed as WeCom seals a 智能机器人's callback: its own keys (or the shared ones), receive id "".
        token = self.settings.wecom_bot_token or self.settings.wecom_token
        key = self.settings.wecom_bot_aes_key or self.settings.wecom_aes_key
        assert token is not None and key is not None
        crypt = WXBizMsgCrypt(token.get_secret_value(), key.get_secret_value(), self.settings.wecom_bot_receive_id)
        plain = {
            "msgid": uuid.uuid4().hex,
            "chatid": self._chat_id(),
            "chattype": "group",
            "from": {"userid": self._platform_id(self.sender)},
            "msgtype": "text",
            "text": {"content": text},
        }
        ts, nonce = str(int(self.clock.now().timestamp())), secrets.token_hex(6)
        encrypted, sig = crypt.seal(json.dumps(plain, ensure_ascii=False).encode(), ts, nonce)
        params = {"msg_signature": sig, "timestamp": ts, "nonce": nonce}
        response = self.client.post(f"{self.url}/webhook/wecom", params=params, json={"encrypt": encrypted})
        if response.status_code != 200:
            return [f"（HTTP {response.status_code}：{response.text}）"]
        if not response.text.startswith("{"):
            return ["（机器人未回复）"]
        reply = response.json()
        content = json.loads(
            crypt.open(reply["msgsignature"], str(reply["timestamp"]), reply["nonce"], reply["encrypt"])
        )
        return wecom_reply_lines(content)

    def _feishu(self, text: str) -> list[str]:
        token = self.settings.feishu_verification_token
        assert token is not None
        message_id = f"om_{uuid.uuid4().hex}"
        event: dict[str, Any] = {
            "schema": "2.0",
            "header": {
                "event_id": uuid.uuid4().hex,
                "event_type": "im.message.receive_v1",
                "token": token.get_secret_value(),
            },
            "event": {
                "sender": {"sender_id": {"open_id": self._platform_id(self.sender)}, "sender_type": "user"},
                "message": {
                    "message_id": message_id,
                    "chat_id": self._chat_id(),
                    "chat_type": "group",
                    "message_type": "text",
                    "content": json.dumps({"text": text}, ensure_ascii=False),
                },
            },
        }
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {"content-type": "application/json"}
        if self.settings.feishu_encrypt_key is not None:
            key = self.settings.feishu_encrypt_key.get_secret_value()
            body = json.dumps({"encrypt": feishu_crypto.encrypt(key, body)}).encode()
            ts, nonce = str(int(self.clock.now().timestamp())), secrets.token_hex(6)
            headers |= {
                "X-Lark-Request-Timestamp": ts,
                "X-Lark-Request-Nonce": nonce,
                "X-Lark-Signature": feishu_crypto.request_signature(ts, nonce, key, body),
            }
        response = self.client.post(f"{self.url}/webhook/feishu", content=body, headers=headers)
        if response.status_code != 200:
            return [f"（HTTP {response.status_code}：{response.text}）"]
        return ["（飞书不在回调里回复：回复已进入发件箱，由本群的机器人 groups.<id>.outbound 发出）"]


def run_platform_chat(
    platform: str,
    url: str,
    settings: Settings,
    cfg: GuanjiaConfig,
    group: str | None,
    sender: str | None,
    clock: Clock,
) -> int:
    import sys

    by_name = {name: pid for pid, name in cfg.people.items()}
    who = by_name.get(sender, sender) if sender else next(iter(cfg.people), "user")
    try:
        chat = PlatformChat(platform, url, settings, cfg, who, group or next(iter(cfg.groups), "demo"), clock)
    except SetupError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    print(f"以{platform}的格式向 {url} 发送群消息；/as 名字或ID 切换发言人，/quit 退出")
    note = identity_note(cfg, platform, chat.sender)
    if note:
        print(note)
    while True:
        try:
            line = input(f"[{platform} | {cfg.display_name(chat.sender)}] > ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if line.startswith("/as "):
            name = line[4:].strip()
            chat.sender = by_name.get(name, name)
            print(f"现在以 {cfg.display_name(chat.sender)}（{chat.sender}）发言")
            note = identity_note(cfg, platform, chat.sender)
            if note:
                print(note)
            continue
        if line:
            for out in chat.send(line):
                print(out)
