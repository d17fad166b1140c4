"""CSV and Excel writing: a BOM for Excel, Chinese intact, formulas never run."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook

from hotline.exports.writers import csv_chunks, csv_safe, write_xlsx
from tests.exports.conftest import csv_rows
from tests.helpers import local

DANGEROUS = ["=1+2", "+86 138", "-2+3", "@SUM(A1)", "\tcmd", '=HYPERLINK("http://x")']


def test_csv_safe_prefixes_only_cells_a_spreadsheet_would_run() -> None:
    assert [csv_safe(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert [csv_safe(v) for v in ["张三", "138 0000 1111", "a=b", ""]] == ["张三", "138 0000 1111", "a=b", ""]


def test_csv_has_a_bom_keeps_chinese_and_guards_every_dangerous_cell() -> None:
    data = b"".join(csv_chunks(["标题", "值"], [[v, -1] for v in DANGEROUS] + [["张三", 2.5]]))
    rows = csv_rows(data)
    assert rows[0] == ["标题", "值"]
    assert [r[0] for r in rows[1:-1]] == ["'" + v for v in DANGEROUS]
    assert rows[1][1] == "-1"  # a number is a number, not text to guard
    assert rows[-1] == ["张三", "2.5"]


def test_csv_comes_in_chunks_and_reports_progress(monkeypatch) -> None:
    monkeypatch.setattr("hotline.exports.writers.FLUSH_ROWS", 2)
    seen: list[int] = []
    chunks = list(csv_chunks(["n"], ([i] for i in range(5)), progress=seen.append))
    assert len(chunks) == 3 and seen == [2, 4, 5]
    assert csv_rows(b"".join(chunks))[1:] == [[str(i)] for i in range(5)]


def test_xlsx_text_starting_with_equals_is_text_not_a_formula() -> None:
    out = io.BytesIO()
    write_xlsx(
        out, ["标题", "时间", "数"], [["=1+2", local("2026-03-01 09:30"), 3], ["坏\x07字符", None, -1]]
    )
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert sheet["A2"].value == "=1+2" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == datetime(2026, 3, 1, 9, 30)  # local time, as the screens show it
    assert sheet["C2"].value == 3 and sheet["C3"].value == -1
    assert sheet["A3"].value == "坏字符"  # a control character Excel refuses is dropped
    assert [c.value for c in sheet[1]] == ["标题", "时间", "数"]
