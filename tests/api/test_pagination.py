"""The list total is counted up to a cap, so a million visible tickets cost no full COUNT."""

from __future__ import annotations

import pytest

from hotline.api.pagination import CappedPaginator
from tests.factories import register


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)


def test_count_is_exact_below_the_cap(users, api):
    for _ in range(3):
        register(users["agent"])
    body = api(users["coordinator"]).get("/api/v1/tickets/").json()
    assert body["count"] == 3
    assert body["count_capped"] is False


def test_count_stops_at_the_cap_and_says_so(users, api, small_cap):
    for _ in range(5):
        register(users["agent"])
    client = api(users["coordinator"])
    body = client.get("/api/v1/tickets/?page_size=2").json()
    assert body["count"] == 3
    assert body["count_capped"] is True
    assert len(body["results"]) == 2
    # the last page is the last one within the cap
    last = client.get("/api/v1/tickets/?page_size=2&page=2").json()
    assert len(last["results"]) == 2
    assert last["next"] is None
    assert client.get("/api/v1/tickets/?page_size=2&page=3").status_code == 404
