"""The seed CSV equals chinesecalendar day by day, and the generator is up to date."""

from __future__ import annotations

import csv
import importlib.util
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType

import chinese_calendar

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "hotline" / "calendar" / "data" / "cn_official_2004_2026.csv"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_calendar_seed", ROOT / "scripts" / "gen_calendar_seed.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_seed_has_every_day_2004_to_2026_in_order() -> None:
    rows = _rows()
    assert len(rows) == 8401
    assert [r["date"] for r in rows] == [
        (date(2004, 1, 1) + timedelta(days=i)).isoformat() for i in range(8401)
    ]


def test_seed_working_days_equal_chinesecalendar() -> None:
    for row in _rows():
        day = date.fromisoformat(row["date"])
        assert (row["is_working"] == "1") == chinese_calendar.is_workday(day), row


def test_seed_notes_name_holidays_and_makeup_days() -> None:
    for row in _rows():
        _is_holiday, name = chinese_calendar.get_holiday_detail(date.fromisoformat(row["date"]))
        if name is None:
            assert row["note"] == "", row
        elif row["is_working"] == "1":
            assert row["note"].endswith("调休上班"), row
        else:
            assert row["note"] and not row["note"].endswith("调休上班"), row


def test_known_days() -> None:
    rows = {r["date"]: (r["is_working"], r["note"]) for r in _rows()}
    assert rows["2025-01-26"] == ("1", "春节调休上班")
    assert rows["2025-01-28"] == ("0", "春节")
    assert rows["2025-09-28"] == ("1", "国庆节调休上班")
    assert rows["2025-10-06"] == ("0", "中秋节")
    assert rows["2025-10-09"] == ("1", "")


def test_generator_output_equals_the_committed_csv() -> None:
    assert _generator().render_csv() == SEED.read_text(encoding="utf-8")
