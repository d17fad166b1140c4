"""Statistics documents: on the demo data each kind prints the numbers ``stats`` gives; the
PDF embeds a CJK font; the Excel has its sheets; the scheduler generates each period once
and tells the subscribers; the API shows each user the documents of their reach."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from hotline.core.errors import InvalidInput
from hotline.demo.seed import seed_org
from hotline.demo.tickets import seed_tickets
from hotline.notify.models import Message
from hotline.reports.documents.figures import Period
from hotline.reports.documents.layout import Layout
from hotline.reports.documents.services import document_generate, generate_due, parse_period
from hotline.reports.measures import dimensions, measure
from hotline.reports.models import DocumentTrigger, ReportDocument, ReportSubscription
from hotline.reports.periods import period_key, period_start
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import drill, stats
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NOW = timezone.now()
TODAY = timezone.localdate(NOW)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo organisation and demo tickets over the last 40 days, made once."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            org = seed_org(password=PASSWORD)
            seed_tickets(org, count=16, seed=7, now=NOW)
            yield org
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _period(kind: str, back_days: int = 15) -> Period:
    return Period(kind, period_start(TODAY - timedelta(days=back_days), kind))  # type: ignore[arg-type]


def _stats(demo, codes, by, period: Period) -> dict[tuple[str, ...], dict[str, float | None]]:
    query = StatsQuery(
        tuple(measure(c) for c in codes),
        tuple(dimensions(by)),
        period.start,
        period.end,
        Filters(unit=demo.units["JZ"]),
        compare=False,
    )
    rows = stats(demo.users["admin"], query, now=NOW).rows
    return {
        tuple(d["key"] for d in r["dimensions"]): {v["measure"]: v["value"] for v in r["values"]}
        for r in rows
    }


def _generate(demo, kind: str, period: Period, unit: str = "JZ", **kw) -> ReportDocument:
    document = document_generate(kind=kind, period=period, unit=demo.units[unit], now=NOW, **kw)
    assert document is not None
    return document


def test_monthly_report_prints_the_numbers_of_stats(demo):
    period = _period("month")
    document = _generate(demo, "monthly", period)
    layout = Layout.from_json(document.figures)
    expected = _stats(
        demo, ["received", "closed", "overdue", "satisfaction_rate", "closed_on_the_spot"], [], period
    )
    assert expected[()]["received"] > 0  # the demo has tickets this month
    overview = layout.table("总体情况")
    for code, label in [
        ("received", "收件量"),
        ("closed", "办结量"),
        ("overdue", "超期量"),
        ("satisfaction_rate", "满意率"),
    ]:
        assert overview.row(label)[2] == expected[()][code], label
    by_class = _stats(demo, ["received"], ["customer_class"], period)
    classes = layout.table("按客户等级")
    assert [r[0] for r in classes.rows[:4]] == ["A类", "B类", "C类", "D类"]
    for letter in "ABCD":
        assert classes.row(f"{letter}类")[1] == (by_class.get((letter,)) or {}).get("received", 0)
    assert classes.row("合计")[1] == expected[()]["received"]
    by_content = _stats(demo, ["received"], ["category:1"], period)
    assert sum(r[1] for r in layout.table("按投诉内容").rows) == sum(
        v["received"] for v in by_content.values()
    )
    assert layout.table("按处理情况").row("当即处理")[1] == expected[()]["closed_on_the_spot"]
    advice = layout.sections[-1]
    assert advice.heading == "六、分析与改进建议" and advice.paragraphs  # a prompt or "平稳"
    assert any("较上月" in p or "与上月持平" in p for p in layout.sections[0].paragraphs)


def test_quarterly_table_by_type_and_month_equals_stats(demo):
    period = _period("quarter")
    layout = Layout.from_json(_generate(demo, "quarterly", period).figures)
    by_type = _stats(demo, ["received", "closed", "overdue"], ["type"], period)
    types = layout.table("按诉求类型")
    assert len(types.rows) == len(by_type) + 1  # and the total
    for row, key in zip(types.rows, sorted(by_type), strict=False):
        assert row[1] == by_type[key]["received"]
    by_month = _stats(demo, ["received"], ["month"], period)
    months = layout.table("按月")
    assert [r[0] for r in months.rows] == [
        f"{period.start.year}-{m:02d}" for m in range(period.start.month, period.start.month + 3)
    ]
    for row in months.rows:
        assert row[1] == (by_month.get((row[0],)) or {}).get("received", 0)


def test_weekly_summary_lists_every_dissatisfied_ticket(demo):
    period = _period("week", back_days=10)
    layout = Layout.from_json(_generate(demo, "weekly", period).figures)
    codes = ["visited", "very_satisfied", "satisfied", "neutral", "dissatisfied"]
    expected = _stats(demo, codes, [], period).get((), {})
    summary = layout.table("回访汇总")
    assert summary.row("回访量")[1] == expected.get("visited", 0)
    assert summary.row("不满意")[1] == expected.get("dissatisfied", 0)
    query = StatsQuery(
        (measure("dissatisfied"),), (), period.start, period.end, Filters(unit=demo.units["JZ"])
    )
    numbers = drill(demo.users["admin"], query, measure("dissatisfied"), [], now=NOW)
    assert [r[0] for r in layout.table("不满意工单").rows] == sorted(numbers)


def test_circular_ranks_units_by_on_time_rate(demo):
    period = _period("month")
    layout = Layout.from_json(_generate(demo, "circular", period).figures)
    ranking = layout.table("单位排名")
    expected = _stats(demo, ["dispatched", "closed", "closed_in_time"], ["unit:2"], period)
    assert sum(r[2] for r in ranking.rows) == sum(v["dispatched"] for v in expected.values())
    assert [r[0] for r in ranking.rows] == list(range(1, len(ranking.rows) + 1))
    rates = [r[5] for r in ranking.rows if r[5] is not None]
    assert rates == sorted(rates, reverse=True)
    for row in ranking.rows:
        if row[3]:
            assert row[5] == round(100 * row[4] / row[3], 2)


def test_pdf_embeds_a_cjk_font(demo):
    document = _generate(demo, "monthly", _period("month"))
    out = subprocess.run(["pdffonts", document.pdf.path], capture_output=True, text=True, check=True).stdout
    fonts = [line for line in out.splitlines()[2:] if "CJK" in line]
    assert fonts, out
    assert all(" yes " in line for line in fonts), out  # embedded
    assert document.pdf.read(5) == b"%PDF-"


def test_excel_opens_with_the_sheets_and_cells(demo):
    period = _period("month")
    document = _generate(demo, "monthly", period)
    book = load_workbook(BytesIO(document.xlsx.read()))
    assert book.sheetnames == ["说明", "总体情况", "按客户等级", "按投诉内容", "按处理情况", "按满意度"]
    assert book["说明"]["A1"].value == "客户投诉处理统计分析报告"
    sheet = book["总体情况"]
    assert [c.value for c in sheet[2]][:3] == ["指标", "单位", "本期"]
    assert sheet["A3"].value == "收件量"
    assert sheet["C3"].value == _stats(demo, ["received"], [], period)[()]["received"]


def test_the_schedule_generates_each_period_once_and_tells_the_subscribers(demo):
    ReportSubscription.objects.create(kind="monthly", unit=demo.units["JZ"], role="coordinator")
    ReportSubscription.objects.create(kind="monthly", unit=demo.units["JZ-DH-SJ"], role="dept_head")
    ReportSubscription.objects.create(
        kind="monthly", unit=demo.units["JZ"], user=demo.users["head"]
    )  # may not see it
    first = generate_due(now=NOW, kinds=("monthly",))
    again = generate_due(now=NOW, kinds=("monthly",))
    assert len(first.generated) == 2 and again.generated == [] and again.skipped == 2
    last_month = period_key(period_start(period_start(TODAY, "month") - timedelta(days=1), "month"), "month")
    docs = ReportDocument.objects.filter(kind="monthly", period=last_month)
    assert sorted(d.unit.code for d in docs) == ["JZ", "JZ-DH-SJ"]
    assert {d.version for d in docs} == {1} and {d.trigger for d in docs} == {DocumentTrigger.SCHEDULE}
    messages = Message.objects.filter(kind="report_document", channel="inapp")
    got = sorted((m.user.username, m.batch_key) for m in messages)
    city, dept = (docs.get(unit__code=c) for c in ("JZ", "JZ-DH-SJ"))
    assert got == sorted([("coordinator", f"report/{city.pk}"), ("head", f"report/{dept.pk}")])
    body = messages.get(user=demo.users["coordinator"]).body
    assert f"/api/v1/reports/{city.pk}/pdf/" in body and f"/api/v1/reports/{city.pk}/xlsx/" in body


def test_generating_again_by_hand_adds_a_version(demo):
    period = _period("month")
    one = _generate(demo, "monthly", period)
    two = _generate(demo, "monthly", period)
    assert (one.version, two.version) == (1, 2)
    assert one.pdf.name != two.pdf.name and ReportDocument.objects.filter(pk=one.pk).exists()
    assert document_generate(kind="monthly", period=period, unit=demo.units["JZ"], trigger="schedule") is None


def test_the_command_generates_by_hand(demo, capsys):
    key = period_key(_period("month").start, "month")
    call_command("report_documents", kind="monthly", period=key, unit=["JZ-DH-SJ"])
    assert ReportDocument.objects.filter(kind="monthly", period=key, unit__code="JZ-DH-SJ").count() == 1
    assert "JZ-DH-SJ-v1.pdf" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kind", "key", "code"),
    [
        ("monthly", "2026-Q3", "report_document_invalid_period"),
        ("weekly", "2026-13", "report_document_invalid_period"),
        ("monthly", "2026-1", "report_document_invalid_period"),
        ("yearly", "2026", "report_document_invalid_kind"),
    ],
)
def test_a_bad_period_is_refused(kind, key, code):
    with pytest.raises(InvalidInput) as err:
        parse_period(kind, key)
    assert err.value.code == code


def test_circular_takes_a_month_or_a_quarter():
    assert parse_period("circular", "2026-Q3").kind == "quarter"
    assert parse_period("circular", "2026-10").kind == "month"


# --- the API -----------------------------------------------------------------------------------

URL = "/api/v1/reports/"


def test_a_head_sees_its_units_documents_and_the_centre_all(demo, api):
    period = _period("month")
    city = _generate(demo, "monthly", period)
    dept = _generate(demo, "monthly", period, unit="JZ-DH-SJ")
    other = _generate(demo, "weekly", _period("week"), unit="JZ-XS-ZJ")
    ids = lambda user: {d["id"] for d in api(demo.users[user]).get(URL).json()["results"]}  # noqa: E731
    assert ids("coordinator") == ids("leader") == ids("admin") == {city.pk, dept.pk, other.pk}
    assert ids("head") == {dept.pk}
    assert ids("head2") == {other.pk}
    response = api(demo.users["handler"]).get(URL)
    assert response.status_code == 403 and response.json()["code"] == "report_document_forbidden"


def test_download_is_scoped_like_the_list(demo, api):
    city = _generate(demo, "monthly", _period("month"))
    response = api(demo.users["coordinator"]).get(f"{URL}{city.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    xlsx = api(demo.users["coordinator"]).get(f"{URL}{city.pk}/xlsx/")
    assert (
        xlsx.status_code == 200
        and load_workbook(BytesIO(b"".join(xlsx.streaming_content))).sheetnames[0] == "说明"
    )
    for path in (
        f"{URL}{city.pk}/pdf/",
        f"{URL}{city.pk}/",
        f"{URL}{city.pk + 999}/pdf/",
        f"{URL}{city.pk}/doc/",
    ):
        denied = api(demo.users["head"]).get(path)
        assert denied.status_code == 404 and denied.json()["code"] == "report_document_not_found", path


def test_post_generates_now_for_the_centre_only(demo, api):
    key = period_key(_period("month").start, "month")
    created = api(demo.users["coordinator"]).post(URL, {"kind": "monthly", "period": key}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (
        body["unit"] == "JZ"
        and body["version"] == 1
        and body["figures"]["title"] == "客户投诉处理统计分析报告"
    )
    before = ReportDocument.objects.count()
    denied = api(demo.users["head"]).post(
        URL, {"kind": "monthly", "period": key, "unit": "JZ-DH-SJ"}, format="json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "report_document_forbidden"
    bad = api(demo.users["coordinator"]).post(URL, {"kind": "monthly", "period": "2026-W01"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "report_document_invalid_period"
    assert ReportDocument.objects.count() == before
