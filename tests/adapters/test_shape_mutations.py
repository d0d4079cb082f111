"""Every field of a platform payload, replaced by a value of another shape: the adapter reads it or
raises NotAMessage (the route's 422), never anything else (the route's 500, which platforms retry).

The payloads are the factories' real messages; each mutation changes one field anywhere in them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.adapters import dingtalk, feishu, feishu_cards, shapes, wecom, wecom_cards
from tests.support.platform_factories import (
    REPORT,
    dingtalk_message,
    dingtalk_typed,
    feishu_click,
    feishu_event,
    feishu_typed,
    platform_cfg,
    wecom_card_click,
    wecom_robot_message,
    wecom_robot_typed,
)

CFG = platform_cfg()
ODD_VALUES: list[Any] = ["x", "", 7, -1.5, 10**30, True, None, [], ["x"], [7], {}, {"x": 1}]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield (*path, n)
            yield from _paths(value, (*path, n))


def _mutations(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(payload):
        for value in ODD_VALUES:
            mutated = copy.deepcopy(payload)
            node = mutated
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = value
            yield mutated


def _feishu_post() -> dict[str, Any]:
    """A post with its content decoded, so that its lines are mutated too (encoded again when read)."""
    post = {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": REPORT}, {"tag": "img", "image_key": "k"}]]}}
    return feishu_typed("om_p", "post", post)


def _decode_content(event: dict[str, Any]) -> dict[str, Any]:
    event["event"]["message"]["content"] = json.loads(event["event"]["message"]["content"])
    return event


def _encode_content(event: dict[str, Any]) -> dict[str, Any]:
    message = (event.get("event") or {}).get("message") if isinstance(event.get("event"), dict) else None
    if isinstance(message, dict) and isinstance(message.get("content"), dict | list):
        message["content"] = json.dumps(message["content"])
    return event


def _dingtalk(payload: dict[str, Any]) -> None:
    dingtalk.to_incoming(payload, CFG)


def _feishu(event: dict[str, Any]) -> None:
    read = feishu.read_event(_encode_content(event), "vtoken")
    if isinstance(read, dict) and not feishu_cards.is_click(read):
        feishu.to_incoming(read, CFG)


def _feishu_click(event: dict[str, Any]) -> None:
    feishu_cards.read_click(event, CFG)


def _wecom(data: dict[str, Any]) -> None:
    plain = json.dumps(data).encode()
    wecom_cards.read_click(plain, CFG)
    wecom.to_incoming(plain, "json", CFG)


CASES: list[tuple[str, Callable[[dict[str, Any]], None], dict[str, Any]]] = [
    ("dingtalk text", _dingtalk, dingtalk_message("d1", REPORT, repliedMsg={"content": {"text": "a"}})),
    ("dingtalk richText", _dingtalk, dingtalk_typed("d2", "richText", {"richText": [{"text": "a"}]})),
    ("dingtalk picture", _dingtalk, dingtalk_typed("d3", "picture", {"downloadCode": "c"})),
    ("dingtalk file", _dingtalk, dingtalk_typed("d4", "file", {"downloadCode": "c", "fileName": "a.pdf"})),
    ("feishu text", _feishu, _decode_content(feishu_event("om_1", REPORT))),
    ("feishu post", _feishu, _decode_content(_feishu_post())),
    (
        "feishu location",
        _feishu,
        _decode_content(feishu_typed("om_l", "location", {"latitude": "1", "longitude": "2"})),
    ),
    ("feishu click", _feishu_click, feishu_click("ev-1", 1, "claim")),
    ("wecom text", _wecom, json.loads(wecom_robot_message("w1", REPORT))),
    (
        "wecom mixed",
        _wecom,
        json.loads(
            wecom_robot_typed(
                "w2",
                "mixed",
                {
                    "mixed": {"msg_item": [{"msgtype": "text", "text": {"content": "a"}}, {"msgtype": "image"}]},
                    "quote": {"msgtype": "mixed", "mixed": {"msg_item": [{"msgtype": "text", "text": {}}]}},
                },
            )
        ),
    ),
    ("wecom image", _wecom, json.loads(wecom_robot_typed("w3", "image", {"image": {"url": "https://x/y"}}))),
    ("wecom voice", _wecom, json.loads(wecom_robot_typed("w4", "voice", {"voice": {"content": REPORT}}))),
    ("wecom file", _wecom, json.loads(wecom_robot_typed("w5", "file", {"file": {"url": "https://x/y"}}))),
    ("wecom click", _wecom, json.loads(wecom_card_click("c1", "claim:1"))),
]


@pytest.mark.parametrize(("name", "read", "payload"), CASES, ids=[c[0] for c in CASES])
def test_every_field_of_another_shape_is_read_or_refused(
    name: str, read: Callable[[dict[str, Any]], None], payload: dict[str, Any]
) -> None:
    read(copy.deepcopy(payload))  # the payload itself is a message
    crashes, tried = [], 0
    for mutated in _mutations(payload):
        tried += 1
        try:
            read(mutated)
        except shapes.NotAMessage:
            pass
        except PermissionError:
            pass  # a token of another shape is a wrong token: the route's 401
        except Exception as exc:  # the point: nothing else may escape
            crashes.append(f"{type(exc).__name__}: {exc} in {json.dumps(mutated, ensure_ascii=False)[:300]}")
    assert tried > 100 and not crashes, "\n".join(crashes[:10])


def test_a_null_rich_text_item_is_no_text_not_the_word_none() -> None:
    """A tester's DingTalk richText with {"text": null} became a ticket reading "None"."""
    body = dingtalk_typed("d9", "richText", {"richText": [{"text": None}, {"text": REPORT}]})
    read = dingtalk.to_incoming(body, CFG)
    assert read is not None and read.incoming.text == REPORT
