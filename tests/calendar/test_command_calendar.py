"""The ``hotline calendar`` management command."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hotline.calendar import services
from hotline.calendar.models import CalendarYear
from tests.calendar.schedules import EXAMPLE_2027

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recompute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_recompute_hook", lambda: lambda *, years: 2)


def test_import_prints_years_days_and_recomputed_deadlines(tmp_path: Path) -> None:
    path = tmp_path / "2027.txt"
    path.write_text(EXAMPLE_2027, encoding="utf-8")
    out = StringIO()

    call_command("calendar", "import", str(path), "--source", "国办发明电〔2026〕示例号", stdout=out)

    text = out.getvalue()
    assert "已导入 2027 年：365 天" in text
    assert "重新计算了 2 个工单的期限" in text
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕示例号"


def test_import_of_a_bad_file_fails_with_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("year,2027\n2027-02-06,休息,春节\n", encoding="utf-8")

    with pytest.raises(CommandError, match="第 2 行") as error:
        call_command("calendar", "import", str(path), stdout=StringIO())

    assert "未写入任何数据" in str(error.value)
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_show_an_official_year() -> None:
    out = StringIO()
    call_command("calendar", "show", "2025", stdout=out)
    text = out.getvalue()
    assert text.startswith("2025 年（官方）")
    assert "2025-01-28 周二 休息 春节" in text
    assert "2025-09-28 周日 上班 国庆节调休上班" in text
    assert "2025-03-01" not in text  # plain weekend, listed only with --all


def test_show_a_provisional_year_with_all_rest_days() -> None:
    out = StringIO()
    call_command("calendar", "show", "2027", "--all", stdout=out)
    text = out.getvalue()
    assert "2027 年（临时）" in text
    assert "2027-02-06 周六 休息 春节" in text
    assert "2027-03-06 周六 休息" in text


@pytest.mark.parametrize("year", ["0", "2100"])
def test_show_refuses_an_unsupported_year(year: str) -> None:
    with pytest.raises(CommandError, match="只支持"):
        call_command("calendar", "show", year, stdout=StringIO())
