"""Generate the official working-day seed: ``hotline/calendar/data/cn_official_2004_2026.csv``.

Usage (dev dependency ``chinesecalendar`` installed)::

    python scripts/gen_calendar_seed.py            # writes the CSV
    python scripts/gen_calendar_seed.py --check    # exits 1 if the CSV is out of date

One line per day from 2004-01-01 to 2026-12-31: ``date,is_working,note`` with
``is_working`` ``1``/``0``. ``note`` is the holiday's Chinese name on a rest day of a
holiday (``春节``), ``<name>调休上班`` on a makeup working day (``春节调休上班``), and empty
on ordinary weekdays and weekends.

``chinesecalendar`` is only a dev dependency and knows no year after its release, so
application code never imports it: the CSV is loaded by a data migration and later years
come from ``hotline calendar import`` (see ``docs/guide/calendar.md``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar

FIRST_DAY = date(2004, 1, 1)
LAST_DAY = date(2026, 12, 31)
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "hotline" / "calendar" / "data" / "cn_official_2004_2026.csv"

# chinese_calendar.Holiday values (English) -> the names used in the State Council notices.
HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKEUP_SUFFIX = "调休上班"


def day_note(*, is_working: bool, holiday_name: str | None) -> str:
    """The Chinese note of one day given chinesecalendar's answer for it."""
    if holiday_name is None:
        return ""
    name = HOLIDAY_NAMES[holiday_name]
    return f"{name}{MAKEUP_SUFFIX}" if is_working else name


def seed_rows(first: date = FIRST_DAY, last: date = LAST_DAY) -> Iterator[tuple[date, bool, str]]:
    """Every day of ``[first, last]`` as ``(date, is_working, note)`` from chinesecalendar."""
    day = first
    while day <= last:
        is_working = bool(chinese_calendar.is_workday(day))
        _is_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
        yield day, is_working, day_note(is_working=is_working, holiday_name=holiday_name)
        day += timedelta(days=1)


def render_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "is_working", "note"])
    for day, is_working, note in seed_rows():
        writer.writerow([day.isoformat(), "1" if is_working else "0", note])
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the CSV is up to date")
    args = parser.parse_args(argv)
    content = render_csv()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != content:
            print(f"{OUTPUT} is out of date; run scripts/gen_calendar_seed.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(content, encoding="utf-8")
    print(f"wrote {content.count(chr(10)) - 1} days to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
