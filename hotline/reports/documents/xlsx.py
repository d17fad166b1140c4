"""The Excel workbook of a document: a sheet "说明" (title, period, the commentary) and one
sheet per table, named by the table's key, numbers kept as numbers with the printed format."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hotline.reports.documents.layout import Layout, excel_format, show

SUMMARY_SHEET = "说明"
HEADER_FILL = PatternFill("solid", fgColor="EEEEEE")


def render_xlsx(layout: Layout, *, generated_at: datetime, version: int) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    summary.append([layout.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([layout.subtitle])
    summary.append([f"生成时间:{timezone.localtime(generated_at):%Y-%m-%d %H:%M},版本 {version}"])
    for section in layout.sections:
        summary.append([])
        summary.append([section.heading])
        summary.cell(summary.max_row, 1).font = Font(bold=True)
        for paragraph in section.paragraphs:
            summary.append([paragraph])
        for table in section.tables:
            summary.append([f"{table.title}:见工作表“{table.key}”"])
    summary.column_dimensions["A"].width = 100
    for table in layout.tables():
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([c.label for c in table.columns])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center")
        for r, row in enumerate(table.rows):
            sheet.append(list(row))
            for c, value in enumerate(row):
                fmt = table.fmt(r, c)
                target = sheet.cell(sheet.max_row, c + 1)
                if isinstance(value, int | float):
                    target.number_format = excel_format(fmt)
                elif value is None:
                    target.value = show(None, fmt)
        if table.note:
            sheet.append([])
            sheet.append([f"注:{table.note}"])
        for c, column in enumerate(table.columns, 1):
            sheet.column_dimensions[get_column_letter(c)].width = 28 if column.fmt == "text" else 13
        sheet.freeze_panes = "B3"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
