"""Generated requests against the app: schemathesis over the OpenAPI schema, hypothesis over the
webhook bodies the schema cannot describe. Nothing may answer 5xx.

schemathesis's pytest plugin (`from_fixture` / `parametrize`) fails under pytest 9
(`'Function' object has no attribute '_nodeid'`), so its operations are driven directly:
each one's hypothesis strategy from the schema, each case called in-process on the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.app import create_app
from bot.app_services import AppServices
from config.settings import Settings

FUZZ = fuzz_settings(
    max_examples=int(os.environ.get("GUANJIA_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Every platform on, so the fuzz gets past "not configured"."""
    return Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        dev_docs=True,  # the schema is what the fuzz reads
        web_secret_key=SecretStr("test-web-key"),
        dingtalk_app_secret=SecretStr("ding-secret"),
        wecom_token=SecretStr("wecom-token"),
        wecom_aes_key=SecretStr(AES_KEY),
        feishu_verification_token=SecretStr("vtoken"),
        media_dir=tmp_path / "media",
    )


def test_schemathesis_finds_no_server_error(services: AppServices) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {"/api/tickets", "/webhook/generic"} <= {op.path for op in operations}
    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def call(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])

        call()


_raw = st.text(st.characters(exclude_categories=()), max_size=20)  # lone surrogates and NUL too
_texts = st.text(max_size=60) | _raw | st.sampled_from(["\ud800", "a\x00b", "\udfff府前街垃圾堆了"])
_anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=8,
)
_field = {
    "msg_id": _texts | _anything,
    "group_id": st.sampled_from(["demo", "", "no-such-group"]) | _anything,
    "sender_id": st.sampled_from(["wgy_li", "stranger", ""]) | _anything,
    "sender_name": _texts | _anything,
    "text": st.sampled_from(["认领 1", "查询 ９９９９９９９９９９９９", "府前街垃圾堆了两天了\ud800"])
    | st.text(max_size=200)
    | _raw,
    "images": st.lists(_texts, max_size=2) | _anything,
    "sent_at": st.sampled_from(["2026-11-23T09:00", "2026-13-45", "", "99999-01-01T00:00+25:00"]) | _anything,
}
_bodies = st.fixed_dictionaries({}, optional=_field).map(lambda d: json.dumps(d).encode())


@FUZZ
@given(body=_bodies | st.binary(max_size=300) | _anything.map(lambda v: json.dumps(v).encode()))
def test_generic_webhook_never_fails_on_any_body(client: TestClient, body: bytes) -> None:
    response = client.post("/webhook/generic", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 413, 422), response.text[:300]


_query = st.text(max_size=60)  # the HTTP client cannot send lone surrogates in a URL


@FUZZ
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["triage", "closed", "nope"]) | _query,
            "unit": st.sampled_from(["hw", "jtzd"]) | _query,
            "category": _query,
            "since": st.sampled_from(["2026-11-23T00:00+08:00", "2026-11-23", "x"]) | _query,
            "until": st.datetimes().map(lambda d: d.isoformat()) | _query,
            "page": st.integers(-(10**30), 10**30).map(str) | _query,
            "per_page": st.integers(-5, 10**6).map(str) | _query,
        },
    )
)
def test_ticket_list_never_fails_on_any_query(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/api/tickets", params=params)
    assert response.status_code in (200, 422), response.text[:300]


@FUZZ
@given(ticket=st.integers(-(10**30), 10**30) | st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s))
def test_ticket_detail_never_fails_on_any_id(client: TestClient, ticket: int | str) -> None:
    response = client.get(f"/api/tickets/{quote(str(ticket), safe='')}")
    assert response.status_code in (200, 404, 422), response.text[:300]


def test_unstorable_characters_are_replaced_not_a_server_error(client: TestClient) -> None:
    body = (
        '{"msg_id": "s1", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格",'
        ' "text": "府前街与南环路交叉口西北角垃圾堆了两天了\\ud800\\u0000"}'
    )
    response = client.post("/webhook/generic", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    (n,) = response.json()["tickets"]
    assert "\ufffd" in client.get(f"/api/tickets/{n}").json()["text"]
