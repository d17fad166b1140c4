"""The export sources: each list's rows are the list's own tickets or cells, scoped and
filtered as the list is; a bad list, filter or right is refused before anything is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput
from hotline.exports.models import ExportJob
from hotline.exports.services import export_start
from hotline.exports.sources import all_sources, get_source
from hotline.reports.query import parse_query
from hotline.reports.selectors import stats
from hotline.search.services import search
from hotline.workflow.access import tickets_visible_to
from tests.factories import register

pytestmark = pytest.mark.django_db


def _numbers(user, source, params=None):
    listing = get_source(source).listing(user, params or {}, now=timezone.now())
    return [row[0] for row in listing.rows()]


def test_every_list_of_the_issue_is_a_source():
    assert {s.name for s in all_sources()} >= {"tickets", "search", "stats", "stats_drill", "worklist"}


def test_tickets_source_is_the_visible_tickets_filtered_like_the_api(users, tickets):
    closed = register(
        users["agent"],
        type="consultation",
        subject="已当场答复",
        close_on_the_spot={"closing_code": "handled", "result": "当场答复"},
    )
    coordinator, handler = users["coordinator"], users["handler"]
    assert set(_numbers(coordinator, "tickets")) == {t.number for t in [*tickets, closed]}
    assert set(_numbers(coordinator, "tickets", {"status": "open"})) == {t.number for t in tickets}
    assert _numbers(coordinator, "tickets", {"status": "closed"}) == [closed.number]
    assert _numbers(handler, "tickets") == []  # nothing dispatched to them: nothing to export
    newest_first = list(
        tickets_visible_to(coordinator).order_by("-received_at", "-pk").values_list("number", flat=True)
    )
    assert _numbers(coordinator, "tickets") == newest_first


def test_search_source_is_every_hit_of_the_box_not_just_a_page(users, tickets):
    coordinator = users["coordinator"]
    register(users["agent"], subject="噪声扰民")
    page = search(coordinator, "电饭煲", page_size=1)
    assert page.has_more
    assert set(_numbers(coordinator, "search", {"q": "电饭煲"})) == {t.number for t in tickets}


def test_stats_source_rows_are_the_statistics_table(users, tickets):
    leader = users["leader"]
    today = timezone.localdate()
    params = {
        "measure": "received",
        "by": "type",
        "from": str(today - timedelta(days=3)),
        "to": str(today),
    }
    listing = get_source("stats").listing(leader, params, now=timezone.now())
    expected = stats(leader, parse_query(params)).rows
    rows = list(listing.rows())
    assert listing.headers[0] == "诉求类型" and len(listing.headers) == 4  # value, previous, last year
    assert listing.headers[2:] == [
        f"{listing.headers[1].split('(')[0]}·上期",
        f"{listing.headers[1].split('(')[0]}·去年同期",
    ]
    assert [r[0] for r in rows] == [row["dimensions"][0]["label"] for row in expected]
    assert [r[1] for r in rows] == [row["values"][0]["value"] for row in expected]
    assert sum(r[1] for r in rows) == 3


@pytest.mark.parametrize(
    ("source", "params", "code"),
    [
        ("nope", {}, "export_unknown_source"),
        ("tickets", {"colour": "red"}, "export_invalid_params"),
        ("tickets", {"status": "maybe"}, "export_invalid_params"),
        ("tickets", {"received_after": "yesterday"}, "export_invalid_params"),
        ("tickets", {"phone": "12"}, "invalid_phone"),
        ("search", {"q": ""}, "search_query_empty"),
        ("stats", {"measure": "received"}, "stats_date_required"),
    ],
)
def test_a_bad_list_or_filter_is_refused_and_nothing_is_logged(users, source, params, code):
    with pytest.raises(InvalidInput) as refused:
        export_start(user=users["coordinator"], source=source, params=params, format="csv", stream=True)
    assert refused.value.code == code
    assert not ExportJob.objects.exists()


def test_a_list_the_user_may_not_use_is_refused(users):
    params = {"measure": "received", "from": "2026-01-01", "to": "2026-01-31"}
    with pytest.raises(Forbidden) as refused:
        export_start(user=users["handler"], source="stats", params=params, format="xlsx", stream=True)
    assert refused.value.code == "stats_forbidden"
    assert not ExportJob.objects.exists()


def test_an_unknown_format_is_refused(users):
    with pytest.raises(InvalidInput) as refused:
        export_start(user=users["coordinator"], source="tickets", params={}, format="pdf", stream=True)
    assert refused.value.code == "export_invalid_format"
