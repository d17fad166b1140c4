"""What a document prints, independent of PDF or Excel: a title, then sections of paragraphs
and tables. Values are kept raw (counts, rates in per cent, working hours) and formatted
by the column's ``fmt`` — the Excel file keeps the numbers, the PDF prints the text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# value/change: the row's own format (a table of different measures): its ``row_formats``
# entry, and for a change of it: count → delta, rate → pp (percentage points), hours → hdelta
Fmt = Literal["text", "count", "rate", "hours", "delta", "pp", "hdelta", "pct", "value", "change"]
Value = int | float | str | None


@dataclass
class Column:
    label: str
    fmt: Fmt = "count"


@dataclass
class Table:
    key: str  # stable: the Excel sheet's name and the tests' handle
    title: str
    columns: list[Column]
    rows: list[list[Value]] = field(default_factory=list)
    note: str = ""
    row_formats: list[Fmt] = field(default_factory=list)  # per row, for "value"/"change" columns

    def fmt(self, row: int, column: int) -> Fmt:
        """The format of one cell: the column's, or the row's for "value"/"change" columns."""
        fmt = self.columns[column].fmt
        if fmt not in ("value", "change"):
            return fmt
        own: Fmt = self.row_formats[row] if row < len(self.row_formats) else "count"
        if fmt == "value":
            return own
        return {"rate": "pp", "hours": "hdelta"}.get(own, "delta")  # type: ignore[return-value]

    def column(self, label: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.label == label)

    def row(self, first: str) -> list[Value]:
        """The row whose first cell is ``first``."""
        return next(r for r in self.rows if r[0] == first)


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Layout:
    title: str
    subtitle: str  # the unit and the period
    sections: list[Section] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables() if t.key == key)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layout:
        sections = [
            Section(
                heading=s["heading"],
                paragraphs=list(s["paragraphs"]),
                tables=[
                    Table(
                        key=t["key"],
                        title=t["title"],
                        columns=[Column(**c) for c in t["columns"]],
                        rows=[list(r) for r in t["rows"]],
                        note=t["note"],
                        row_formats=list(t.get("row_formats", [])),
                    )
                    for t in s["tables"]
                ],
            )
            for s in data["sections"]
        ]
        return cls(title=data["title"], subtitle=data["subtitle"], sections=sections)


def _signed(value: float, digits: int) -> str:
    text = f"{value:+.{digits}f}" if digits else f"{value:+.0f}"
    return text.replace("+0.0", "0.0") if value == 0 else text


def show(value: Value, fmt: Fmt) -> str:
    """A cell as printed: "—" for no value (a rate without a denominator, no earlier period)."""
    if value is None:
        return "—"
    if fmt == "text" or isinstance(value, str):
        return str(value)
    if fmt == "count":
        return f"{value:.0f}"
    if fmt == "rate":
        return f"{value:.1f}%"
    if fmt == "hours":
        return f"{value:.1f}"
    if fmt == "delta":
        return _signed(value, 0)
    if fmt == "hdelta":
        return _signed(value, 1)
    if fmt == "pp":
        return f"{_signed(value, 1)}个百分点"
    return f"{_signed(value, 1)}%"  # pct: relative change


def excel_format(fmt: Fmt) -> str:
    """The cell's number format in Excel (rates are kept in per cent, as printed)."""
    return {
        "count": "0",
        "rate": '0.0"%"',
        "hours": "0.0",
        "delta": "+0;-0;0",
        "hdelta": "+0.0;-0.0;0.0",
        "pp": '+0.0"pp";-0.0"pp";0.0"pp"',
        "pct": '+0.0"%";-0.0"%";0.0"%"',
    }.get(fmt, "@")
