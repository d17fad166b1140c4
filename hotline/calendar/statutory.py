"""Rest days computed from the law, for years without an official schedule.

The State Council publishes each year's schedule (国务院办公厅关于某年部分节假日安排的通知)
in October–December of the year before. Until it is imported, a year's rest days are
computed here from 《全国年节及纪念日放假办法》 art. 2: weekends plus the statutory
holidays, **without** makeup working days (调休), which cannot be predicted. Deadlines
that rely on these days are marked provisional.

The rules of the revision in force in the year are used (so that the computation can be
checked against past official schedules):

* from 2025 (2024年修订): 元旦 1.1; 春节 除夕 and 正月初一至初三; 清明节; 劳动节 5.1–5.2;
  端午节 (lunar 5.5); 中秋节 (lunar 8.15); 国庆节 10.1–10.3.
* 2014–2024 (2013年修订): as above but 春节 正月初一至初三 only, 劳动节 5.1 only.
* 2008–2013 (2007年修订): 春节 除夕、正月初一、初二; 劳动节 5.1.
* before 2008 (1999年修订): 元旦; 春节 正月初一至初三; 劳动节 5.1–5.3; 国庆节 10.1–10.3.

Pure Python (``lunardate`` for the lunar calendar); no Django, no database.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunardate import LunarDate

FIRST_SUPPORTED_YEAR = 1901  # lunardate covers 1900–2099 (除夕 1901 lies in lunar 1900)
LAST_SUPPORTED_YEAR = 2099  # and so does the Qingming formula


def qingming(year: int) -> date:
    """The day of the Qingming solar term (清明), i.e. the Qingming Festival.

    Uses the usual "寿星通用公式" ``day = int(Y*D + C) - int(Y/4)`` with ``Y = year % 100``,
    ``D = 0.2422`` and ``C = 4.81`` for the 21st century (``5.59`` for the 20th). Checked
    against the official schedules 2008–2026 in the tests; valid 1901–2099.
    """
    _check_year(year)
    y = year % 100
    c = 4.81 if year >= 2000 else 5.59
    return date(year, 4, int(y * 0.2422 + c) - int(y / 4))


def lunar_to_solar(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the lunar year that starts in Gregorian ``year``."""
    solar: date = LunarDate(year, month, day).to_solar_date()
    return solar


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays (法定节假日) of ``year``: date -> Chinese name.

    Only the days fixed by the law; weekends are not listed and neither are the extra
    days the yearly schedule adds by moving working days (调休). Two festivals on the
    same day (中秋 on 10.1) are joined as ``国庆节、中秋节``. Returns a new dict.
    """
    return dict(_holidays(year))


@lru_cache(maxsize=256)
def _holidays(year: int) -> tuple[tuple[date, str], ...]:
    _check_year(year)
    spring_festival = lunar_to_solar(year, 1, 1)
    new_years_eve = spring_festival - timedelta(days=1)  # 除夕: the last day of the lunar year
    entries: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    if year >= 2025:
        spring_days = [new_years_eve] + [spring_festival + timedelta(days=i) for i in range(3)]
        labour_days = [date(year, 5, 1), date(year, 5, 2)]
    elif year >= 2014:
        spring_days = [spring_festival + timedelta(days=i) for i in range(3)]
        labour_days = [date(year, 5, 1)]
    elif year >= 2008:
        spring_days = [new_years_eve, spring_festival, spring_festival + timedelta(days=1)]
        labour_days = [date(year, 5, 1)]
    else:
        spring_days = [spring_festival + timedelta(days=i) for i in range(3)]
        labour_days = [date(year, 5, 1), date(year, 5, 2), date(year, 5, 3)]
    entries += [(d, "春节") for d in spring_days]
    if year >= 2008:
        entries.append((qingming(year), "清明节"))
    entries += [(d, "劳动节") for d in labour_days]
    if year >= 2008:
        entries.append((lunar_to_solar(year, 5, 5), "端午节"))
    entries += [(date(year, 10, 1 + i), "国庆节") for i in range(3)]
    if year >= 2008:
        entries.append((lunar_to_solar(year, 8, 15), "中秋节"))

    holidays: dict[date, str] = {}
    for day, name in entries:
        holidays[day] = f"{holidays[day]}、{name}" if day in holidays else name
    return tuple(sorted(holidays.items()))


@lru_cache(maxsize=256)
def _rest_days(year: int) -> frozenset[date]:
    return frozenset(day for day, _name in _holidays(year))


def is_working_day(day: date) -> bool:
    """Computed status of ``day``: Monday–Friday and not a statutory holiday (no 调休)."""
    return day.weekday() < 5 and day not in _rest_days(day.year)


def note(day: date) -> str:
    """The holiday name of ``day`` if it is a statutory holiday, else ``""``."""
    return dict(_holidays(day.year)).get(day, "")


def _check_year(year: int) -> None:
    if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
        raise ValueError(f"年份 {year} 超出支持范围（{FIRST_SUPPORTED_YEAR}–{LAST_SUPPORTED_YEAR}）")
