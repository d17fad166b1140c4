"""Drill-down (下钻): a cell's count links to exactly its tickets, and only to tickets the
user may see; a bad cell is a readable message."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from hotline.org.models import Unit
from hotline.reports.measures import MEASURES, dimensions
from hotline.reports.query import StatsQuery
from hotline.reports.selectors import drill
from tests.web.test_reports_centre import MARCH, march

URL = "/reports/"


def listed(html: str) -> list[str]:
    return re.findall(r'<tr id="row-([^"]+)"', html)


def _overdue_link(html: str, unit: Unit) -> str:
    row = re.search(rf'<tr data-cell="{unit.pk}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {unit.code}"
    link = re.search(r'data-measure="overdue"[^>]*><a href="([^"]+)"', row.group(1))
    assert link, "the overdue count is not a link"
    return link.group(1).replace("&amp;", "&")


def test_a_units_overdue_count_lists_exactly_its_tickets(client, users):
    made = march(users)
    client.force_login(users["coordinator"])
    html = client.get(URL, {**MARCH, "measure": "received,overdue", "by": "unit"}).content.decode()
    unit = Unit.objects.get(code="JZ-DH-SJ")
    url = _overdue_link(html, unit)
    assert urlsplit(url).path == reverse("web:reports-drill")
    assert parse_qs(urlsplit(url).query)["cell"] == [str(unit.pk)]
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert sorted(listed(body)) == sorted([made["late1"].number, made["late2"].number])
    assert 'data-count="2"' in body and "超期量" in body and "东湖区市场监督管理局" in body
    query = StatsQuery(
        (MEASURES["overdue"],), tuple(dimensions(["unit"])), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert sorted(listed(body)) == drill(users["coordinator"], query, MEASURES["overdue"], [str(unit.pk)])
    # back to the report with the same range
    assert 'id="back-to-reports"' in body and "from=2026-03-01" in body


def test_a_summary_count_drills_to_the_periods_tickets(client, users):
    made = march(users)
    client.force_login(users["coordinator"])
    html = client.get(URL, MARCH).content.decode()
    row = re.search(r'<tr id="summary-received">(.*?)</tr>', html, re.S)
    assert row
    link = re.search(r'<a href="([^"]+)" class="drill-link">4</a>', row.group(1))
    assert link
    body = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    expected = [made[k].number for k in ("late1", "late2", "other", "spot")]
    assert sorted(listed(body)) == sorted(expected)


def test_a_unit_head_drills_only_into_what_it_may_see(client, users):
    made = march(users)
    client.force_login(users["head"])  # 东湖区市场监督管理局
    other = Unit.objects.get(code="JZ-XS-ZJ")
    # asking for another unit's cell by hand: nothing of it
    body = client.get(
        reverse("web:reports-drill"), {**MARCH, "measure": "overdue", "by": "unit", "cell": str(other.pk)}
    ).content.decode()
    assert listed(body) == [] and 'data-count="0"' in body
    # the whole period: its own two only
    body = client.get(reverse("web:reports-drill"), {**MARCH, "measure": "received"}).content.decode()
    assert sorted(listed(body)) == sorted([made["late1"].number, made["late2"].number])


def test_drill_pages_through_the_tickets(client, users):
    from tests.factories import register
    from tests.helpers import local

    numbers = {
        register(users["agent"], now=local(f"2026-04-{1 + i % 28:02d} 09:00")).number for i in range(55)
    }
    client.force_login(users["coordinator"])
    params = {"from": "2026-04-01", "to": "2026-04-30", "measure": "received"}
    first = client.get(reverse("web:reports-drill"), params).content.decode()
    second = client.get(reverse("web:reports-drill"), {**params, "page": "2"}).content.decode()
    assert len(listed(first)) == 50 and len(listed(second)) == 5
    assert set(listed(first)) | set(listed(second)) == numbers
    assert 'id="drill-next"' in first and 'id="drill-prev"' in second


def test_bad_drill_parameters_are_readable(client, users):
    client.force_login(users["coordinator"])
    url = reverse("web:reports-drill")
    cases: list[tuple[dict[str, Any], str]] = [
        ({**MARCH, "measure": "received,overdue"}, "stats_one_measure"),
        ({**MARCH, "measure": "overdue", "by": "unit", "cell": "abc"}, "stats_invalid_cell"),
        ({**MARCH, "measure": "overdue", "by": "unit,month", "cell": "1"}, "stats_invalid_cell"),
        ({**MARCH, "measure": "overdue", "by": "month", "cell": "2026-13"}, "stats_invalid_cell"),
        ({"measure": "overdue"}, "stats_date_required"),
        ({**MARCH, "measure": "overdue", "page": "x"}, ""),
    ]
    for params, code in cases:
        response = client.get(url, params)
        html = response.content.decode()
        if code:
            assert response.status_code == 400, params
            assert f'data-code="{code}"' in html, params
        else:
            assert response.status_code == 200, params
