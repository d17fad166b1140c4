"""The report centre (报表中心): the page's numbers are ``stats()``'s, the charts' JSON block is
there and valid, who may open it, and a bad parameter is a readable Chinese message."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from hotline.reports.measures import MEASURES, dimensions
from hotline.reports.periods import period_end, period_start, shift
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import stats
from hotline.web.views.reports import DEFAULT_MEASURES, SUMMARY, last_month
from tests.factories import register
from tests.helpers import local
from tests.web.flow import dispatched

URL = "/reports/"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def march(users: dict[str, Any]) -> dict[str, Any]:
    """Three overdue tickets in March 2026 (two at 东湖区市场监管, one at 西山县住建), one
    closed on the spot, one in February (the previous period) and one in March 2025."""
    made = {
        "late1": dispatched(users, unit="JZ-DH-SJ", at="2026-03-02 09:00"),
        "late2": dispatched(users, unit="JZ-DH-SJ", at="2026-03-03 09:00"),
        "other": dispatched(users, unit="JZ-XS-ZJ", at="2026-03-04 09:00"),
        "spot": register(
            users["agent"],
            type="consultation",
            now=local("2026-03-05 10:00"),
            close_on_the_spot={"closing_code": "handled", "result": "当场答复"},
        ),
        "feb": register(users["agent"], now=local("2026-02-10 09:00")),
        "ly": register(users["agent"], now=local("2025-03-10 09:00")),
    }
    return made


def cells(html: str) -> dict[str, dict[str, str]]:
    """The analysis table: cell key → measure → data-value."""
    table = html[html.index('id="analysis-table"') :]
    table = table[: table.index("</table>")]
    out: dict[str, dict[str, str]] = {}
    for key, body in re.findall(r'<tr data-cell="([^"]*)">(.*?)</tr>', table, re.S):
        out[key] = dict(re.findall(r'data-measure="([^"]+)" data-value="([^"]*)"', body))
    return out


def summary(html: str) -> dict[str, str]:
    table = html[html.index('id="summary-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr id="summary-([a-z_0-9]+)">.*?<td class="num" data-value="([^"]*)"', table, re.S)
    return dict(rows)


def as_number(text: str) -> float | None:
    return float(text) if text else None


def test_the_table_holds_the_numbers_of_stats(client, users):
    march(users)
    client.force_login(users["coordinator"])
    response = client.get(
        URL, {**MARCH, "measure": "received,overdue,closed,satisfaction_rate", "by": "unit"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    query = StatsQuery(
        tuple(MEASURES[c] for c in ("received", "overdue", "closed", "satisfaction_rate")),
        tuple(dimensions(["unit"])),
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    expected = stats(users["coordinator"], query)
    shown = cells(html)
    assert set(shown) == {row["dimensions"][0]["key"] for row in expected.rows}
    for row in expected.rows:
        key = row["dimensions"][0]["key"]
        for v in row["values"]:
            assert as_number(shown[key][v["measure"]]) == v["value"], (key, v)
        assert row["dimensions"][0]["label"] in html
    # the two overdue tickets of 东湖区市场监督管理局
    unit = str(users["head"].memberships.get().unit_id)
    assert as_number(shown[unit]["overdue"]) == 2


def test_two_dimensions_and_the_comparison_columns(client, users):
    march(users)
    client.force_login(users["coordinator"])
    html = client.get(
        URL, {"from": "2026-02-01", "to": "2026-03-31", "measure": "received", "by": "type,month"}
    ).content.decode()
    query = StatsQuery(
        (MEASURES["received"],), tuple(dimensions(["type", "month"])), date(2026, 2, 1), date(2026, 3, 31)
    )
    expected = stats(users["coordinator"], query)
    shown = cells(html)
    assert len(shown) == len(expected.rows) >= 2
    for row in expected.rows:
        key = ",".join(d["key"] for d in row["dimensions"])
        assert as_number(shown[key]["received"]) == row["values"][0]["value"]
        tr = re.search(rf'<tr data-cell="{key}">(.*?)</tr>', html, re.S)
        assert tr
        previous = re.search(r'data-previous="([^"]*)"', tr.group(1))
        last_year = re.search(r'data-last-year="([^"]*)"', tr.group(1))
        assert previous and as_number(previous.group(1)) == row["values"][0]["previous"]
        assert last_year and as_number(last_year.group(1)) == row["values"][0]["last_year"]


def test_the_summary_of_a_month_compares_with_the_month_before_and_a_year_earlier(client, users):
    march(users)
    client.force_login(users["coordinator"])
    html = client.get(URL, MARCH).content.decode()
    shown = summary(html)
    assert list(shown) == list(SUMMARY)
    by_month = StatsQuery(
        tuple(MEASURES[c] for c in SUMMARY), tuple(dimensions(["month"])), date(2026, 3, 1), date(2026, 3, 31)
    )
    [row] = stats(users["coordinator"], by_month).rows
    for v in row["values"]:
        assert as_number(shown[v["measure"]]) == v["value"], v
    values = {v["measure"]: v for v in row["values"]}
    assert values["received"]["value"] == 4 and values["received"]["previous"] == 1
    assert values["received"]["last_year"] == 1
    assert "2026-02-01 — 2026-02-28" in html  # the calendar month before, not 31 days
    assert 'id="report-range"' in html and "2026年3月" in html


def test_the_charts_data_is_a_valid_json_block(client, users):
    march(users)
    client.force_login(users["coordinator"])
    html = client.get(URL, MARCH).content.decode()
    block = re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S)
    assert block, "no JSON data block"
    data = json.loads(block.group(1))
    trend = data["trend"]
    assert trend["grain"] == "day" and len(trend["labels"]) == 31
    received = next(s for s in trend["series"] if s["code"] == "received")
    assert sum(received["data"]) == 4 and received["data"][1] == 1  # 2 March
    assert [s["code"] for s in data["satisfaction"]] == [
        "very_satisfied",
        "satisfied",
        "neutral",
        "dissatisfied",
    ]
    breakdown = data["breakdown"]
    assert breakdown["measure"] == MEASURES[DEFAULT_MEASURES[0]].label
    assert "东湖区市场监督管理局" in breakdown["labels"]
    assert [s["name"] for s in breakdown["series"]] == ["本期", "上期", "去年同期"]
    # no inline script: only the JSON block and our own files
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))[^>]*>", html)
    assert 'src="/static/hotline/reports.js"' in html or "hotline/reports.js" in html
    assert "vendor/echarts/echarts.min.js" in html


def test_the_first_screen_is_last_month_by_unit(client, users):
    client.force_login(users["coordinator"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    start, end = last_month(date.today())
    assert start == shift(period_start(date.today(), "month"), "month", -1)
    assert end == period_end(start, "month")
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html
    assert 'id="preset-last-month"' in html and 'aria-current="true"' in html
    assert "责任单位" in html and 'id="analysis-table"' in html


def test_a_unit_head_sees_only_its_subtree(client, users):
    march(users)
    client.force_login(users["head2"])  # 西山县住房和城乡建设局
    html = client.get(URL, {**MARCH, "measure": "overdue", "by": "unit"}).content.decode()
    shown = cells(html)
    expected = stats(
        users["head2"],
        StatsQuery((MEASURES["overdue"],), tuple(dimensions(["unit"])), date(2026, 3, 1), date(2026, 3, 31)),
    )
    assert {k: as_number(v["overdue"]) for k, v in shown.items()} == {
        r["dimensions"][0]["key"]: r["values"][0]["value"] for r in expected.rows
    }
    assert sum(as_number(v["overdue"]) or 0 for v in shown.values()) == 1
    assert "东湖区市场监督管理局" not in html.split('id="analysis-table"')[1]


@pytest.mark.parametrize("who", ["handler", "agent"])
def test_handlers_and_agents_get_the_chinese_403(client, users, who):
    client.force_login(users[who])
    for url in (URL, reverse("web:reports-drill"), reverse("web:reports-hot")):
        response = client.get(url, {**MARCH, "measure": "received"})
        assert response.status_code == 403
        html = response.content.decode()
        assert 'id="error-403"' in html and "报表中心仅对" in html


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"from": "2026-13-01", "to": "2026-03-31"}, "stats_invalid_date", "不是有效日期"),
        ({"from": "2026-04-01", "to": "2026-03-01"}, "invalid_range", "开始日期不能晚于结束日期"),
        ({"from": "2010-01-01", "to": "2026-03-01"}, "range_too_long", "最长五年"),
        ({**MARCH, "measure": "nonsense"}, "stats_unknown_measure", "未知的统计指标"),
        ({**MARCH, "measure": ""}, "stats_measure_required", "请提供统计指标"),
        ({**MARCH, "by": "unit:x"}, "stats_unknown_dimension", "层级"),
        ({**MARCH, "by": "unit,type,month"}, "stats_too_many_dimensions", "最多按"),
        ({**MARCH, "by": "month,week"}, "stats_duplicate_dimension", "不能同时使用"),
        ({**MARCH, "unit": "NOPE"}, "stats_invalid_filter", "不存在"),
        ({**MARCH, "type": "bogus"}, "stats_invalid_filter", "无效"),
        ({**MARCH, "channel": "x\x00"}, "stats_invalid_parameter", "无效字符"),
    ],
)
def test_bad_parameters_give_a_readable_message(client, users, params, code, words):
    client.force_login(users["coordinator"])
    response = client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-code="{code}"' in html and words in html
    assert 'id="report-form"' in html  # the form is still there to correct it


def test_filters_narrow_every_number(client, users):
    march(users)
    client.force_login(users["coordinator"])
    html = client.get(URL, {**MARCH, "unit": "JZ-DH", "measure": "overdue", "by": "unit"}).content.decode()
    shown = cells(html)
    expected = stats(
        users["coordinator"],
        StatsQuery(
            (MEASURES["overdue"],),
            tuple(dimensions(["unit"])),
            date(2026, 3, 1),
            date(2026, 3, 31),
            Filters(unit=users["head"].memberships.get().unit.parent),
        ),
    )
    assert {k: as_number(v["overdue"]) for k, v in shown.items()} == {
        r["dimensions"][0]["key"]: r["values"][0]["value"] for r in expected.rows
    }
    assert sum(as_number(v["overdue"]) or 0 for v in shown.values()) == 2


def test_the_months_generated_report_is_linked_for_download(client, users):
    from hotline.org.models import Unit
    from hotline.reports.documents.services import document_generate, parse_period

    march(users)
    client.force_login(users["coordinator"])
    assert 'id="report-documents"' not in client.get(URL, MARCH).content.decode()
    document = document_generate(
        kind="monthly", period=parse_period("monthly", "2026-03"), unit=Unit.objects.get(code="JZ")
    )
    assert document is not None
    html = client.get(URL, MARCH).content.decode()
    assert 'id="report-documents"' in html
    pdf = reverse("report-document-file", args=[document.pk, "pdf"])
    xlsx = reverse("report-document-file", args=[document.pk, "xlsx"])
    assert f'href="{pdf}"' in html and f'href="{xlsx}"' in html
    assert client.get(pdf).status_code == 200
    # another range than one month: no links
    assert (
        'id="report-documents"'
        not in client.get(URL, {"from": "2026-03-01", "to": "2026-03-15"}).content.decode()
    )
