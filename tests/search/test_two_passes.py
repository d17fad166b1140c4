"""The page is the same whichever way it is found: PostgreSQL's first pass over the newest
tickets in scope (a window, widened once), or the indexes (``services.ticket_page_ids``)."""

from __future__ import annotations

import pytest

from hotline.search import services
from hotline.search.services import search, ticket_matches
from hotline.search.text import parse_query
from tests.factories import register

SUBJECTS = ["楼道堆放杂物", "楼道灯不亮", "小区停车收费", "楼道杂物影响通行", "电梯故障"]


@pytest.fixture
def tickets(users):
    return [register(users["agent"], subject=SUBJECTS[i % len(SUBJECTS)]) for i in range(30)]


@pytest.mark.parametrize(
    "windows",
    [
        {"RECENT_WINDOW": 1000, "WIDEST_WINDOW": 6000, "WINDOW_PER_ROW": 25},  # as shipped
        {"RECENT_WINDOW": 4, "WIDEST_WINDOW": 60, "WINDOW_PER_ROW": 1},  # the window widens
        {"RECENT_WINDOW": 4, "WIDEST_WINDOW": 5, "WINDOW_PER_ROW": 1},  # too few: the indexes
    ],
)
@pytest.mark.parametrize("q", ["楼道", "楼道 杂物", "电梯故障", "停车"])
def test_pages_equal_the_full_match_list(users, tickets, monkeypatch, windows, q):
    for name, value in windows.items():
        monkeypatch.setattr(services, name, value)
    coordinator = users["coordinator"]
    every = list(ticket_matches(coordinator, parse_query(q)).values_list("pk", flat=True))
    assert every  # the query finds something
    for page in (1, 2, 3):
        result = search(coordinator, q, page=page, page_size=3)
        assert [h.ticket.pk for h in result.hits] == every[(page - 1) * 3 : page * 3]
        assert result.has_more == (len(every) > page * 3)


def test_without_the_first_pass_the_indexes_find_the_same(users, tickets, monkeypatch):
    first = [h.ticket.pk for h in search(users["coordinator"], "楼道 杂物", page_size=50).hits]
    monkeypatch.setattr(services, "_first_pass", lambda *args: None)
    assert [h.ticket.pk for h in search(users["coordinator"], "楼道 杂物", page_size=50).hits] == first
