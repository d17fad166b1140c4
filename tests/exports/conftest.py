"""Shared pieces of the export tests: reading what was written, a small direct limit, tickets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from hotline.exports import services
from hotline.jobs.queue import huey
from tests.factories import PersonFactory, register


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def column(rows: list[list[Any]], header: str) -> list[Any]:
    at = rows[0].index(header)
    return [row[at] for row in rows[1:]]


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    """Exports of more than two rows are "large" and go to the worker."""
    monkeypatch.setattr(services, "DIRECT_LIMIT", 2)
    return 2


@pytest.fixture
def immediate_huey() -> Iterator[Any]:
    """Tasks run in this process as they are enqueued (after commit: capture the callbacks)."""
    huey.immediate = True
    try:
        yield huey
    finally:
        huey.immediate = False


@pytest.fixture
def export_home(settings: Any, tmp_path: Any) -> Any:
    settings.HOTLINE_HOME = tmp_path
    return tmp_path


@pytest.fixture
def tickets(users: dict[str, Any]) -> list[Any]:
    """Three open tickets taken in by the agent at the centre."""
    return [
        register(users["agent"], subject=f"电饭煲无法加热 {i}", complainant=PersonFactory(name=f"张{i}三"))
        for i in range(3)
    ]
