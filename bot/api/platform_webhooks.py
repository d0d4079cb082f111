"""DingTalk, WeCom and Feishu callbacks: read within limits, verify, decrypt, hand on, answer.

Everything platform-specific is in bot/adapters/<platform>.py; handlers see IncomingMessage.
Photos that need the platform's API are queued and fetched after the answer is sent.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.adapters import dingtalk, feishu, feishu_crypto, wecom
from bot.adapters.identity import PlatformMessage
from bot.adapters.wecom_crypto import CryptoError, WXBizMsgCrypt
from bot.api import media_files
from bot.api.errors import error_response
from bot.api.intake_calls import take_in
from bot.api.webhooks import BodyTooLarge, read_body
from bot.app_services import AppServices
from bot.chat.messages import Outcome
from bot.media import downloads
from bot.outbound.outbox import enqueue

log = logging.getLogger(__name__)
router = APIRouter()
router.include_router(media_files.router)


def _services(request: Request) -> AppServices:
    services: AppServices = request.app.state.services
    return services


async def _body(request: Request, services: AppServices) -> bytes | Response:
    try:
        return await read_body(request, services.settings.max_body_bytes)
    except BodyTooLarge:
        limit = services.settings.max_body_bytes
        return error_response(413, "body_too_large", f"body is larger than {limit} bytes")


def _not_configured(platform: str, settings: str) -> JSONResponse:
    return error_response(503, "not_configured", f"{platform} callbacks are off: set {settings}")


def _refused(platform: str, problem: str) -> JSONResponse:
    log.warning("%s callback refused: %s", platform, problem)
    return error_response(401, "bad_signature", problem)


async def _handle(
    request: Request, services: AppServices, message: PlatformMessage, background: BackgroundTasks
) -> Outcome:
    outcome: Outcome = await take_in(request, services, message.incoming)
    if message.media:
        await run_in_threadpool(downloads.queue, services.session_factory, services.clock, message.media)
        worker = downloads.worker(services.settings, services.session_factory, services.clock)
        background.add_task(worker.run_once)
    return outcome


# --- DingTalk ---------------------------------------------------------------------------


@router.post("/webhook/dingtalk")
async def dingtalk_webhook(request: Request, background: BackgroundTasks) -> Response:
    services = _services(request)
    secret = services.settings.dingtalk_app_secret
    if secret is None:
        return _not_configured("DingTalk", "GUANJIA_DINGTALK_APP_SECRET")
    body = await _body(request, services)
    if isinstance(body, Response):
        return body
    problem = dingtalk.signature_problem(
        secret.get_secret_value(), request.headers.get("timestamp"), request.headers.get("sign"), services.clock.now()
    )
    if problem is not None:
        return _refused("dingtalk", problem)
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise dingtalk.NotAMessage("body must be a JSON object")
        message = dingtalk.to_incoming(data, services.cfg)
    except (UnicodeDecodeError, json.JSONDecodeError, dingtalk.NotAMessage) as exc:
        return error_response(422, "invalid_request", str(exc))
    if message is None:  # a type with nothing to read: answered, so DingTalk does not count a failure
        return JSONResponse(dingtalk.EMPTY_REPLY)
    outcome = await _handle(request, services, message, background)
    return JSONResponse(dingtalk.render_outcome(outcome, services.cfg))


# --- WeCom ------------------------------------------------------------------------------


def _wecom_crypt(services: AppServices) -> WXBizMsgCrypt | None:
    settings = services.settings
    if settings.wecom_token is None or settings.wecom_aes_key is None:
        return None
    return WXBizMsgCrypt(
        settings.wecom_token.get_secret_value(), settings.wecom_aes_key.get_secret_value(), settings.wecom_corp_id
    )


_WECOM_SETTINGS = "GUANJIA_WECOM_TOKEN and GUANJIA_WECOM_AES_KEY"


@router.get("/webhook/wecom")
async def wecom_verify_url(
    request: Request, msg_signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
) -> Response:
    """URL verification: answer the decrypted echostr as plain text."""
    crypt = _wecom_crypt(_services(request))
    if crypt is None:
        return _not_configured("WeCom", _WECOM_SETTINGS)
    try:
        plain = crypt.open(msg_signature, timestamp, nonce, echostr)
    except CryptoError as exc:
        return _refused("wecom", str(exc))
    return PlainTextResponse(plain.decode(errors="replace"))


@router.post("/webhook/wecom")
async def wecom_webhook(
    request: Request, background: BackgroundTasks, msg_signature: str = "", timestamp: str = "", nonce: str = ""
) -> Response:
    services = _services(request)
    crypt = _wecom_crypt(services)
    if crypt is None:
        return _not_configured("WeCom", _WECOM_SETTINGS)
    body = await _body(request, services)
    if isinstance(body, Response):
        return body
    try:
        encrypted, kind = wecom.envelope(body)
    except wecom.NotAMessage as exc:
        return error_response(422, "invalid_request", str(exc))
    try:
        plain = crypt.open(msg_signature, timestamp, nonce, encrypted)
    except CryptoError as exc:
        return _refused("wecom", str(exc))
    try:
        message = wecom.to_incoming(plain, kind, services.cfg)
    except wecom.NotAMessage as exc:
        return error_response(422, "invalid_request", str(exc))
    if message is None:
        return PlainTextResponse("success")
    outcome = await _handle(request, services, message, background)
    if kind == "xml" and outcome.tickets:
        # A 自建应用 chat is private: the group (and the unit in it) hears of the ticket from its robot.
        await run_in_threadpool(_queue_replies, services, message, outcome, wecom.announcement(message.incoming))
    to_user = wecom.app_user(plain) if kind == "xml" else ""
    reply = wecom.render_reply(outcome, services.cfg, kind, crypt, secrets.token_hex(8), to_user)
    if reply is None:
        return PlainTextResponse("success")
    content, media_type = reply
    return Response(content=content, media_type=media_type)


# --- Feishu -----------------------------------------------------------------------------


@router.post("/webhook/feishu")
async def feishu_webhook(request: Request, background: BackgroundTasks) -> Response:
    services = _services(request)
    settings = services.settings
    if settings.feishu_verification_token is None and settings.feishu_encrypt_key is None:
        return _not_configured("Feishu", "GUANJIA_FEISHU_VERIFICATION_TOKEN (and GUANJIA_FEISHU_ENCRYPT_KEY)")
    body = await _body(request, services)
    if isinstance(body, Response):
        return body
    try:
        data: Any = json.loads(body)
        if not isinstance(data, dict):
            raise feishu.NotAMessage("body must be a JSON object")
        if settings.feishu_encrypt_key is not None:
            data = _feishu_open(request, settings.feishu_encrypt_key.get_secret_value(), body, data)
        token = settings.feishu_verification_token
        event = feishu.read_event(data, token.get_secret_value() if token else None)
    except CryptoError as exc:
        return _refused("feishu", str(exc))
    except PermissionError as exc:
        return _refused("feishu", str(exc))
    except (UnicodeDecodeError, json.JSONDecodeError, feishu.NotAMessage) as exc:
        return error_response(422, "invalid_request", str(exc))
    if isinstance(event, feishu.Challenge):
        return JSONResponse({"challenge": event.challenge})
    try:
        message = feishu.to_incoming(event, services.cfg)
    except feishu.NotAMessage as exc:
        return error_response(422, "invalid_request", str(exc))
    if message is None:
        return JSONResponse({})
    outcome = await _handle(request, services, message, background)
    if outcome.replies:
        await run_in_threadpool(_queue_replies, services, message, outcome)
    return JSONResponse({})


def _feishu_open(request: Request, key: str, body: bytes, data: dict[str, Any]) -> dict[str, Any]:
    """Decrypt the event and check X-Lark-Signature (URL verification's challenge comes unsigned)."""
    if not isinstance(data.get("encrypt"), str):
        raise CryptoError("an Encrypt Key is set but the body is not encrypted")
    inner = json.loads(feishu_crypto.decrypt(key, data["encrypt"]))
    if not isinstance(inner, dict):
        raise feishu.NotAMessage("decrypted event must be a JSON object")
    signed = request.headers.get("X-Lark-Signature")
    if signed is not None or inner.get("type") != "url_verification":
        expected = feishu_crypto.request_signature(
            request.headers.get("X-Lark-Request-Timestamp", ""),
            request.headers.get("X-Lark-Request-Nonce", ""),
            key,
            body,
        )
        if not secrets.compare_digest(expected.encode(), (signed or "").lower().encode()):
            raise CryptoError("X-Lark-Signature does not match")
    return inner


def _queue_replies(services: AppServices, message: PlatformMessage, outcome: Outcome, head: str = "") -> None:
    """Send the replies through the group's robot, via the outbox: Feishu takes no reply in the
    response, and a WeCom 自建应用 private chat is announced in the group (`head` says whose).

    The dedupe key makes a platform retry (answered from the intake's record) queue nothing new.
    """
    incoming = message.incoming
    with services.session_factory() as session, session.begin():
        for n, reply in enumerate(outcome.replies):
            enqueue(
                session,
                group_id=incoming.group_id,
                kind="reply",
                text=head + reply.text,
                mentions=reply.mentions,
                now=services.clock.now(),
                dedupe_key=f"reply:{incoming.platform}:{incoming.msg_id}:{n}"[:200],
            )
