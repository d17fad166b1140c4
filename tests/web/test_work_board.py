"""The coordinator's board: everything in flight by stage, with overdue counts, per unit."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.factories import register
from tests.helpers import act
from tests.web.flow import dispatched


def count(html: str, stage: str, what: str) -> int:
    row = re.search(rf'<tr id="stage-{stage}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row for {stage}"
    found = re.search(rf'data-count="{what}">(\d+)<', row.group(1))
    assert found
    return int(found.group(1))


def test_counts_by_stage_with_overdue(client, users):
    dispatched(users)
    dispatched(users, at="2026-03-02 09:00")  # long overdue
    dispatched(users, unit="JZ-XS-ZJ")
    register(users["agent"])
    act(register(users["agent"]), "reject", users["leader"], reason="duplicate")  # closed: not in flight
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:board")).content.decode()
    assert count(html, "dispatched", "total") == 3
    assert count(html, "dispatched", "overdue") == 1
    assert count(html, "registered", "total") == 1
    assert "stage-rejected" not in html
    assert re.search(r'id="total-open">4<', html) and re.search(r'id="total-overdue">1<', html)


def test_the_list_holds_the_overdue_and_due_soon_only(client, users):
    late = dispatched(users, at="2026-03-02 09:00")
    fresh = register(users["agent"], subject="刚登记")
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:board")).content.decode()
    table = html[html.index('id="urgent-table"') :]
    assert f'id="row-{late.number}"' in table
    # a day's limit ends at the close of the next working day: more than four hours away
    assert f'id="row-{fresh.number}"' not in table


def test_a_unit_narrows_the_board_to_it_and_below(client, users):
    dispatched(users, unit="JZ-DH-SJ")
    dispatched(users, unit="JZ-XS-ZJ")
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:board"), {"unit": "JZ-DH"}).content.decode()
    assert count(html, "dispatched", "total") == 1
    html = client.get(reverse("web:board"), {"unit": "JZ"}).content.decode()
    assert count(html, "dispatched", "total") == 2


def test_htmx_gets_only_the_results(client, users):
    dispatched(users)
    client.force_login(users["coordinator"])
    response = client.get(
        reverse("web:board"), {"unit": "JZ-DH"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-results"
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="stage-counts"' in html


def test_board_scoping_follows_visibility(client, users):
    dispatched(users, unit="JZ-XS-ZJ")
    client.force_login(users["teamlead"])  # centre role: sees what the centre took in
    html = client.get(reverse("web:board")).content.decode()
    assert count(html, "dispatched", "total") == 1
    client.force_login(users["head"])
    assert client.get(reverse("web:board")).status_code == 403


def test_the_board_query_count_is_flat(client, users, django_assert_max_num_queries):
    for i in range(4):
        dispatched(users, unit="JZ-DH-SJ" if i % 2 else "JZ-XS-ZJ")
    client.force_login(users["coordinator"])
    # session, user, memberships, units (choices), units under, stage counts, urgent list, unread,
    # the batches (批量投诉) panel
    with django_assert_max_num_queries(11):  # and the packs in use, for the menu
        assert client.get(reverse("web:board")).status_code == 200


def test_one_stage_code_with_two_labels_gives_two_rows(client, users):
    # enterprise: a report waits in `accepted` as 待领导批示, a complaint as 待派单
    act(register(users["agent"], type="report"), "accept", users["coordinator"])
    act(register(users["agent"]), "accept", users["coordinator"])
    client.force_login(users["coordinator"])
    html = client.get(reverse("web:board")).content.decode()
    rows = re.findall(r'<tr id="(stage-accepted(?:-\d)?)" data-stage="accepted"><td>([^<]+)</td>', html)
    assert sorted(label for _id, label in rows) == ["待派单", "待领导批示"]
    assert {row_id for row_id, _label in rows} == {"stage-accepted", "stage-accepted-2"}
    work = client.get(reverse("web:worklist")).content.decode()
    assert '<option value="accepted">待派单 / 待领导批示</option>' in work
