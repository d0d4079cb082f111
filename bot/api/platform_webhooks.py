"""DingTalk, WeCom and Feishu callbacks: read within limits, verify, decrypt, hand on, answer.

Everything platform-specific is in bot/adapters/<platform>.py; handlers see IncomingMessage.
Photos that need the platform's API, and Feishu's replies (sent through the outbox), are
written in the message's own transaction: a crash leaves the ticket with them or neither.
The photos are fetched after the answer is sent.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.orm import Session

from bot.adapters import dingtalk, feishu, feishu_crypto, wecom
from bot.adapters.feishu_cards import is_click
from bot.adapters.freshness import timestamp_problem
from bot.adapters.identity import PlatformMessage
from bot.adapters.wecom_crypto import CryptoError, WXBizMsgCrypt
from bot.api.card_clicks import feishu_click, wecom_card_reply, wecom_click
from bot.api.errors import error_response, unauthenticated
from bot.api.intake_calls import take_in
from bot.app_services import AppServices, Services
from bot.chat.intake import Effect
from bot.chat.messages import IncomingMessage, Outcome
from bot.core.replay_guard import bind_nonce
from bot.media import downloads
from bot.outbound.outbox import enqueue_replies

log = logging.getLogger(__name__)
router = APIRouter()


def _not_configured(platform: str, settings: str) -> JSONResponse:
    return error_response(503, "not_configured", f"{platform} callbacks are off: set {settings}")


def _refused(platform: str, problem: str) -> JSONResponse:
    """The one 401 every platform answers, whatever failed; the reason goes to the log only."""
    return unauthenticated(platform, problem)


async def _handle(
    request: Request,
    services: AppServices,
    message: PlatformMessage,
    background: BackgroundTasks,
    effects: Sequence[Effect] = (),
) -> Outcome:
    if message.media:
        refs = message.media

        def queue_photos(session: Session, _msg: IncomingMessage, _outcome: Outcome, now: datetime) -> None:
            downloads.queue(session, now, refs)

        effects = (*effects, queue_photos)
    outcome: Outcome = await take_in(request, services, message.incoming, effects)
    if message.media:
        worker = downloads.worker(services.settings, services.session_factory, services.clock)
        background.add_task(worker.run_once)
    return outcome


# --- DingTalk ---------------------------------------------------------------------------


@router.post("/webhook/dingtalk")
async def dingtalk_webhook(request: Request, services: Services, background: BackgroundTasks) -> Response:
    secret = services.settings.dingtalk_app_secret
    if secret is None:
        return _not_configured("DingTalk", "GUANJIA_DINGTALK_APP_SECRET")
    body = await request.body()  # within max_body_bytes: BodyLimitMiddleware answered 413 otherwise
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
    sign = str(request.headers.get("sign")).strip()
    if not await run_in_threadpool(_dingtalk_sign_fresh, services, sign, message.incoming.msg_id):
        return _refused("dingtalk", "sign already used for another message (replayed headers)")
    outcome = await _handle(request, services, message, background)
    return JSONResponse(dingtalk.render_outcome(outcome, services.cfg))


def _dingtalk_sign_fresh(services: AppServices, sign: str, msg_id: str) -> bool:
    """DingTalk's sign covers the timestamp, not the body: bind it to the first msgId it came with.

    Deduping by msgId alone cannot stop a replay (the attacker picks a new msgId), and DingTalk
    offers no body signature or nonce to check instead; a retry of the same message keeps its
    msgId and passes. Two genuine messages in one millisecond share a sign: the second is refused
    and DingTalk retries it with a new timestamp.
    """
    window = timedelta(seconds=dingtalk.TOLERANCE_SECONDS * 2)  # the timestamp may be 1 h either side
    with services.session_factory() as session, session.begin():
        return bind_nonce(session, dingtalk.PLATFORM, sign, msg_id, services.clock.now(), window)


# --- WeCom ------------------------------------------------------------------------------


def _wecom_crypt(services: AppServices, kind: wecom.Kind) -> WXBizMsgCrypt | None:
    """The keys of the 自建应用 ("xml") or of the 智能机器人 ("json").

    One instance serves both: the robot has its own Token / EncodingAESKey / receive id
    (GUANJIA_WECOM_BOT_*), falling back to the shared ones, and its receive id is "" for an
    internal robot, where the app's is the CorpID.
    """
    settings = services.settings
    token, key, receive_id = settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id
    if kind == "json":
        token = settings.wecom_bot_token or token
        key = settings.wecom_bot_aes_key or key
        receive_id = settings.wecom_bot_receive_id
    if token is None or key is None:
        return None
    return WXBizMsgCrypt(token.get_secret_value(), key.get_secret_value(), receive_id)


_WECOM_SETTINGS = "GUANJIA_WECOM_TOKEN and GUANJIA_WECOM_AES_KEY (or GUANJIA_WECOM_BOT_TOKEN and _BOT_AES_KEY)"


def _stale(services: AppServices, timestamp: str | None) -> str | None:
    """WeCom and Feishu sign the timestamp: one outside the window is a replayed request.

    WeCom itself documents no window (its samples are from 2014), but its servers stamp the
    time they send; a few minutes of skew is plenty, years are a captured request.
    """
    return timestamp_problem(timestamp, services.clock.now(), services.settings.signature_tolerance_seconds)


@router.get("/webhook/wecom")
async def wecom_verify_url(
    services: Services, msg_signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
) -> Response:
    """URL verification: answer the decrypted echostr as plain text.

    The request does not say whether the app or the robot is being set up: the keys that
    verify its signature and receive id are the ones it was made with.
    """
    crypts = [c for c in (_wecom_crypt(services, "xml"), _wecom_crypt(services, "json")) if c is not None]
    if not crypts:
        return _not_configured("WeCom", _WECOM_SETTINGS)
    stale = _stale(services, timestamp)
    if stale is not None:
        return _refused("wecom", stale)
    problems = []
    for crypt in crypts:
        try:
            plain = crypt.open(msg_signature, timestamp, nonce, echostr)
        except CryptoError as exc:
            problems.append(str(exc))
            continue
        return PlainTextResponse(plain.decode(errors="replace"))
    return _refused("wecom", "; ".join(problems))


@router.post("/webhook/wecom")
async def wecom_webhook(
    request: Request,
    services: Services,
    background: BackgroundTasks,
    msg_signature: str = "",
    timestamp: str = "",
    nonce: str = "",
) -> Response:
    if _wecom_crypt(services, "xml") is None and _wecom_crypt(services, "json") is None:
        return _not_configured("WeCom", _WECOM_SETTINGS)
    body = await request.body()  # within max_body_bytes: BodyLimitMiddleware answered 413 otherwise
    stale = _stale(services, timestamp)
    if stale is not None:
        return _refused("wecom", stale)
    try:
        encrypted, kind = wecom.envelope(body)
    except wecom.NotAMessage:
        return _refused("wecom", "body is not a WeCom envelope")  # nothing is said before it is verified
    crypt = _wecom_crypt(services, kind)
    if crypt is None:
        return _refused("wecom", f"no keys for a {kind} envelope")
    try:
        plain = crypt.open(msg_signature, timestamp, nonce, encrypted)
    except CryptoError as exc:
        return _refused("wecom", str(exc))
    nonce_out = secrets.token_hex(8)
    if kind == "json" and (clicked := await wecom_click(request, services, plain, crypt, nonce_out)) is not None:
        return clicked
    try:
        message = wecom.to_incoming(plain, kind, services.cfg)
    except wecom.NotAMessage as exc:
        return error_response(422, "invalid_request", str(exc))
    if message is None:
        return PlainTextResponse("success")
    announce = (_announce_private_report,) if kind == "xml" else ()
    outcome = await _handle(request, services, message, background, effects=announce)
    to_user = wecom.app_user(plain) if kind == "xml" else ""
    now, stream_id = services.clock.now(), f"gj-{message.incoming.msg_id}"
    carded = wecom_card_reply(services, kind, outcome, message.incoming.msg_id, crypt, nonce_out)
    reply = carded or wecom.render_reply(outcome, services.cfg, kind, crypt, nonce_out, to_user, now, stream_id)
    if reply is None:
        return PlainTextResponse("success")
    content, media_type = reply
    return Response(content=content, media_type=media_type)


# --- Feishu -----------------------------------------------------------------------------


@router.post("/webhook/feishu")
async def feishu_webhook(request: Request, services: Services, background: BackgroundTasks) -> Response:
    settings = services.settings
    if settings.feishu_verification_token is None and settings.feishu_encrypt_key is None:
        return _not_configured("Feishu", "GUANJIA_FEISHU_VERIFICATION_TOKEN (and GUANJIA_FEISHU_ENCRYPT_KEY)")
    body = await request.body()  # within max_body_bytes: BodyLimitMiddleware answered 413 otherwise
    token = settings.feishu_verification_token
    try:
        data: Any = json.loads(body)
        if not isinstance(data, dict):
            raise CryptoError("body must be a JSON object")
        if settings.feishu_encrypt_key is not None:
            data = _feishu_open(request, services, settings.feishu_encrypt_key.get_secret_value(), body, data)
        event = feishu.read_event(data, token.get_secret_value() if token else None)
    except (CryptoError, PermissionError, UnicodeDecodeError, json.JSONDecodeError, feishu.NotAMessage) as exc:
        # Before the request is authenticated every failure looks the same (no padding oracle).
        return _refused("feishu", f"{type(exc).__name__}: {exc}")
    if isinstance(event, feishu.Challenge):
        return JSONResponse({"challenge": event.challenge})
    if is_click(event):
        return await feishu_click(request, services, event)
    try:
        message = feishu.to_incoming(event, services.cfg)
    except feishu.NotAMessage as exc:
        return error_response(422, "invalid_request", str(exc))
    if message is None:
        return JSONResponse({})
    head = feishu.private_head(message.incoming) if feishu.is_private(event) else ""
    await _handle(request, services, message, background, effects=(_reply_queuer(head),))
    return JSONResponse({})


def _feishu_open(
    request: Request, services: AppServices, key: str, body: bytes, data: dict[str, Any]
) -> dict[str, Any]:
    """Check X-Lark-Signature and its timestamp, then decrypt: never decrypt what is not signed.

    Feishu sends one request unsigned, the URL verification challenge. An unsigned body is
    decrypted only to see whether it is one; anything else, including a bad padding or a
    plaintext that is not JSON, raises the same CryptoError as a bad signature, so nothing
    an attacker sends learns more than "refused" (the padding oracle of issue 14).
    """
    encrypted = data.get("encrypt")
    if not isinstance(encrypted, str):
        raise CryptoError("an Encrypt Key is set but the body is not encrypted")
    signed = request.headers.get("X-Lark-Signature")
    if signed is None:
        try:
            inner = json.loads(feishu_crypto.decrypt(key, encrypted))
        except (CryptoError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CryptoError("unsigned request that is not a URL verification") from exc
        if not isinstance(inner, dict) or inner.get("type") != "url_verification":
            raise CryptoError("unsigned request that is not a URL verification")
        return inner
    timestamp = request.headers.get("X-Lark-Request-Timestamp", "")
    stale = _stale(services, timestamp)
    if stale is not None:
        raise CryptoError(f"X-Lark-Request-Timestamp: {stale}")
    nonce = request.headers.get("X-Lark-Request-Nonce", "")
    expected = feishu_crypto.request_signature(timestamp, nonce, key, body)
    if not secrets.compare_digest(expected.encode(), signed.lower().encode()):
        raise CryptoError("X-Lark-Signature does not match")
    inner = json.loads(feishu_crypto.decrypt(key, encrypted))
    if not isinstance(inner, dict):
        raise feishu.NotAMessage("decrypted event must be a JSON object")
    return inner


def _reply_queuer(head: str = "") -> Effect:
    """Send the replies through the group's robot, via the outbox, queued in the transaction that
    handles the message: Feishu takes no reply in the response, and a WeCom 自建应用 or Feishu
    单聊 private chat is answered in the group (`head` says whose).

    A platform retry is answered from the intake's record and queues nothing (the dedupe key
    is a second guard).
    """

    def queue(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
        enqueue_replies(session, incoming, outcome, now, head)

    return queue


def _announce_private_report(session: Session, incoming: IncomingMessage, outcome: Outcome, now: datetime) -> None:
    """A 自建应用 chat is private: the group (and the unit in it) hears of the ticket from its robot."""
    if outcome.tickets:
        _reply_queuer(wecom.announcement(incoming))(session, incoming, outcome, now)
