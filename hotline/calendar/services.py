"""Working-day calendar services: read the calendar, compute deadlines, import a schedule.

Caching (``get_calendar``)
--------------------------
The calendar (≈8.4k days) is loaded once per process into an immutable
:class:`~hotline.calendar.counting.WorkCalendar` and reused. Every write made through
this module or the admin replaces the random ``token`` of the single
:class:`~hotline.calendar.models.CalendarRevision` row, in the same transaction as the
write, and drops this process's copy at once.

Other processes notice the new token on their next call after at most
``RECHECK_SECONDS`` (one primary-key read, at most once a second per process, never on
every call). The token lives in the database rather than in the Django cache on purpose:
the embedded default cache is ``LocMemCache``, which is private to each process, so a
version counter there would never reach the queue worker or the other web workers; the
database is the one store every process shares in every deployment mode. A random token
(not a counter) cannot come back to an older value after a rolled-back transaction.

Data changed behind the application's back (raw SQL) is seen after ``reset_calendar_cache()``
or a restart.
"""

from __future__ import annotations

import csv
import importlib
import io
import time as clock
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.calendar import statutory
from hotline.calendar.counting import Deadline, WorkCalendar, deadline
from hotline.calendar.models import DEFAULT_PERIODS, CalendarRevision, CalendarYear, Day, WorkingPeriod
from hotline.core.errors import InvalidInput
from hotline.core.parsing import small_int

RECHECK_SECONDS: float = 1.0  # how stale another process's write may look here
MAX_SPAN_DAYS: Final = 366  # days_between: at most one (leap) year per request
COMPUTED_SOURCE: Final = "statutory"  # DayInfo.source of a day without a Day row


# --- reading the calendar --------------------------------------------------------------


@dataclass(frozen=True)
class _Cached:
    calendar: WorkCalendar
    token: str | None
    checked_at: float  # time.monotonic() of the last token check


_cached: _Cached | None = None


def get_calendar() -> WorkCalendar:
    """The working-day calendar, cached in process (see the module docstring).

    Outside a transaction the revision token is read at most once per
    ``RECHECK_SECONDS``; inside one (``transaction.atomic``) on every call, so that a
    transaction computes with the calendar it can see, and a rolled-back write (as in
    every test) is never served from the cache afterwards. Either way at most one
    primary-key read per call, and a reload only when the token changed.
    """
    global _cached
    current = _cached
    now = _monotonic()
    fresh = current is not None and now - current.checked_at < RECHECK_SECONDS
    if current is not None and fresh and not _in_transaction():
        return current.calendar
    # The token is read before the data: a write committed in between makes us cache new
    # data under the old token (one extra reload later), never old data under a new token.
    token = _db_token()
    if current is not None and current.token == token:
        if not fresh:
            _cached = _Cached(calendar=current.calendar, token=token, checked_at=now)
        return current.calendar
    calendar = _load_calendar()
    _cached = _Cached(calendar=calendar, token=token, checked_at=now)
    return calendar


def reset_calendar_cache() -> None:
    """Forget this process's copy; the next ``get_calendar()`` reloads from the database."""
    global _cached
    _cached = None


def calendar_changed() -> None:
    """Record that calendar data changed: new revision token, and drop the local copy.

    Call it inside the transaction of the write (the admin and the services do).
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    updated = CalendarRevision.objects.filter(pk=1).update(token=token, changed_at=now)
    if not updated:
        CalendarRevision.objects.create(pk=1, token=token, changed_at=now)
    reset_calendar_cache()
    # A reader in this process between now and the commit may cache the old data under
    # the old token; forget again once the write is visible to everyone.
    transaction.on_commit(reset_calendar_cache)


def _monotonic() -> float:
    return clock.monotonic()


def _in_transaction() -> bool:
    # django-stubs types get_connection() as Any; the wrapper's in_atomic_block is a bool
    in_atomic_block: bool = transaction.get_connection().in_atomic_block
    return in_atomic_block


def _db_token() -> str | None:
    return CalendarRevision.objects.filter(pk=1).values_list("token", flat=True).first()


def _load_calendar() -> WorkCalendar:
    days = dict(Day.objects.values_list("date", "is_working"))
    official = frozenset(CalendarYear.objects.filter(official=True).values_list("year", flat=True))
    periods = tuple(WorkingPeriod.objects.order_by("start").values_list("start", "end")) or DEFAULT_PERIODS
    return WorkCalendar(days=days, official_years=official, periods=periods, tz=_tz())


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- deadlines and days ----------------------------------------------------------------


def compute_deadline(*, start: datetime, amount: int, unit: str) -> Deadline:
    """The deadline of ``amount`` ``unit`` from ``start`` (rules in ``counting``).

    Raises ``InvalidInput`` for a naive ``start``, a negative amount, an unknown unit or a
    result out of the supported range (years 1901–2099).
    """
    try:
        return deadline(get_calendar(), start, amount, unit)
    except ValueError as exc:
        raise InvalidInput(f"无法计算期限：{exc}", code="invalid_deadline") from exc


@dataclass(frozen=True)
class DayInfo:
    date: date
    is_working: bool
    note: str
    provisional: bool  # the year has no official data: computed, no 调休
    source: str  # Day.Source value, or "statutory" when computed


def days_between(*, start: date, end: date) -> list[DayInfo]:
    """Every day of ``[start, end]`` (at most ``MAX_SPAN_DAYS``) with its status."""
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期。", code="invalid_range")
    if (end - start).days + 1 > MAX_SPAN_DAYS:
        raise InvalidInput(f"查询范围不能超过 {MAX_SPAN_DAYS} 天。", code="range_too_long")
    if start.year < statutory.FIRST_SUPPORTED_YEAR or end.year > statutory.LAST_SUPPORTED_YEAR:
        raise InvalidInput(
            f"只支持 {statutory.FIRST_SUPPORTED_YEAR} 至 {statutory.LAST_SUPPORTED_YEAR} 年的日期。",
            code="out_of_range",
        )
    cal = get_calendar()
    rows = {row.date: row for row in Day.objects.filter(date__range=(start, end))}
    result = []
    day = start
    while day <= end:
        row = rows.get(day)
        provisional = not cal.is_official(day)
        if row is not None:
            result.append(DayInfo(day, row.is_working, row.note, provisional, row.source))
        else:
            result.append(
                DayInfo(day, statutory.is_working_day(day), statutory.note(day), provisional, COMPUTED_SOURCE)
            )
        day += timedelta(days=1)
    return result


# --- writes ----------------------------------------------------------------------------


def day_set(*, day: date, is_working: bool, note: str = "", source: str = Day.Source.ADMIN) -> Day:
    """Create or change one day (an administrator's correction)."""
    with transaction.atomic():
        row, _created = Day.objects.update_or_create(
            date=day, defaults={"is_working": is_working, "note": note, "source": source}
        )
        calendar_changed()
    return row


@dataclass(frozen=True)
class ImportResult:
    years: list[int]
    days: int  # Day rows written
    recomputed: int | None = None  # ticket deadlines recomputed; None if workflow offers no recompute


@dataclass(frozen=True)
class _Override:
    line: int
    is_working: bool
    note: str


_KINDS: Final = {"rest": False, "work": True}


def import_schedule(
    *, path: Path | str | None = None, text: str | None = None, source_note: str
) -> ImportResult:
    """Import a year's official schedule (国务院办公厅关于某年部分节假日安排的通知).

    File format (UTF-8 text, one entry per line; see ``docs/guide/calendar.md``)::

        # 国务院办公厅关于2027年部分节假日安排的通知
        year,2027
        2027-02-06,rest,春节
        2027-02-14,work,春节调休上班

    * blank lines and lines starting with ``#`` are ignored;
    * ``year,YYYY`` declares a year of the file (optional; without it the years are those
      of the dates); with declarations every date must lie in a declared year;
    * ``YYYY-MM-DD,rest|work[,note]``: the day is a rest day / a working day.

    Every year of the file gets all its 365/366 days rewritten: Monday–Friday working,
    Saturday and Sunday rest, then the listed days; the year becomes official. All in one
    transaction: a bad file raises ``InvalidInput`` naming the line and writes nothing.
    Afterwards ``hotline.workflow.services.recompute_provisional_deadlines(years=...)`` is
    called when it exists (its count is ``ImportResult.recomputed``).
    """
    if (path is None) == (text is None):
        raise TypeError("import_schedule() needs exactly one of path= or text=")
    if text is None:
        assert path is not None
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"无法读取文件 {path}：{exc}", code="calendar_import_unreadable") from exc
    years, overrides = _parse_schedule(text)

    now = timezone.now()
    imported = Day.Source.OFFICIAL_IMPORT
    with transaction.atomic():
        rows: list[Day] = []
        for year in years:
            Day.objects.filter(date__range=(date(year, 1, 1), date(year, 12, 31))).delete()
            day = date(year, 1, 1)
            while day.year == year:
                override = overrides.get(day)
                is_working = day.weekday() < 5 if override is None else override.is_working
                note = "" if override is None else override.note
                rows.append(Day(date=day, is_working=is_working, note=note, source=imported))
                day += timedelta(days=1)
            CalendarYear.objects.update_or_create(
                year=year, defaults={"official": True, "source": source_note, "imported_at": now}
            )
        Day.objects.bulk_create(rows, batch_size=1000)
        calendar_changed()

    recompute = _recompute_hook()
    recomputed = None if recompute is None else recompute(years=set(years))
    return ImportResult(years=years, days=len(rows), recomputed=recomputed)


def _recompute_hook() -> Callable[..., int] | None:
    """``workflow.services.recompute_provisional_deadlines`` if the workflow app offers it.

    Looked up at run time: the workflow app depends on the calendar, not the reverse.
    """
    try:
        module = importlib.import_module("hotline.workflow.services")
    except ImportError:
        return None
    hook: Callable[..., int] | None = getattr(module, "recompute_provisional_deadlines", None)
    return hook


def _parse_schedule(text: str) -> tuple[list[int], dict[date, _Override]]:
    declared: dict[int, int] = {}  # year -> line
    overrides: dict[date, _Override] = {}
    for number, raw in enumerate(io.StringIO(text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([line]))]
        if fields[0].lower() == "year":
            parsed_year = small_int(fields[1]) if len(fields) == 2 else None
            if parsed_year is None:
                raise _bad(number, f"年份行应为“year,YYYY”，实际为“{line}”")
            year = parsed_year
            _check_year(number, year)
            declared.setdefault(year, number)
            continue
        if len(fields) not in (2, 3):
            raise _bad(number, f"应为“日期,rest|work,说明”三列，实际为“{line}”")
        try:
            day = date.fromisoformat(fields[0])
        except ValueError:
            raise _bad(number, f"日期“{fields[0]}”无效，应为 YYYY-MM-DD") from None
        if len(fields[0]) != 10:
            raise _bad(number, f"日期“{fields[0]}”无效，应为 YYYY-MM-DD")
        _check_year(number, day.year)
        kind = fields[1].lower()
        if kind not in _KINDS:
            raise _bad(number, f"类型“{fields[1]}”无效，应为 rest（休息）或 work（上班）")
        if day in overrides:
            raise _bad(number, f"日期 {day.isoformat()} 重复（第 {overrides[day].line} 行已列出）")
        note = fields[2] if len(fields) == 3 else ""
        if len(note) > 100:
            raise _bad(number, "说明不能超过 100 个字")
        overrides[day] = _Override(line=number, is_working=_KINDS[kind], note=note)

    if declared:
        for day, override in overrides.items():
            if day.year not in declared:
                years_text = "、".join(str(y) for y in sorted(declared))
                raise _bad(override.line, f"日期 {day.isoformat()} 不在声明的年份（{years_text}）内")
        for year, declared_on in declared.items():
            if not any(day.year == year for day in overrides):
                raise _bad(declared_on, f"{year} 年没有列出任何日期")
    if not overrides:
        raise InvalidInput("文件中没有任何日期行。", code="calendar_import_empty")
    years = sorted(set(declared) | {day.year for day in overrides})
    return years, overrides


def _check_year(line: int, year: int) -> None:
    if not statutory.FIRST_SUPPORTED_YEAR <= year <= statutory.LAST_SUPPORTED_YEAR:
        first, last = statutory.FIRST_SUPPORTED_YEAR, statutory.LAST_SUPPORTED_YEAR
        raise _bad(line, f"年份 {year} 超出支持范围（{first}–{last}）")


def _bad(line: int, message: str) -> InvalidInput:
    return InvalidInput(f"第 {line} 行：{message}。", code="calendar_import_invalid", line=line)
