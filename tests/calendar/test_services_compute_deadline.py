"""services.compute_deadline: counting over the database calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.calendar import services
from hotline.core.errors import InvalidInput
from tests.calendar.cc import TZ, local

pytestmark = pytest.mark.django_db


def test_national_day_2025() -> None:
    result = services.compute_deadline(start=local(2025, 9, 30, 10), amount=1, unit="working_days")
    assert result == services.Deadline(due_at=local(2025, 10, 9, 17, 30), provisional=False)


def test_utc_input_gives_local_output() -> None:
    start = local(2025, 9, 30, 10).astimezone(UTC)  # 02:00 UTC
    result = services.compute_deadline(start=start, amount=2, unit="working_hours")
    assert result.due_at == local(2025, 9, 30, 12)
    assert result.due_at.tzinfo == TZ


def test_a_deadline_reaching_an_unofficial_year_is_provisional() -> None:
    result = services.compute_deadline(start=local(2026, 12, 20, 10), amount=15, unit="working_days")
    assert result.provisional is True
    assert result.due_at.year == 2027


@pytest.mark.parametrize(
    ("start", "amount", "unit", "message"),
    [
        (local(2025, 9, 30, 10), -1, "working_days", "负数"),
        (local(2025, 9, 30, 10), 1, "weeks", "未知的时限单位"),
        (datetime(2025, 9, 30, 10), 1, "working_days", "时区"),
        (local(2099, 12, 20, 10), 30, "working_days", "超出支持范围"),
    ],
)
def test_bad_arguments_are_invalid_input(start: datetime, amount: int, unit: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.compute_deadline(start=start, amount=amount, unit=unit)
