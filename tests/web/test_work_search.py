"""Worklist search and paging: number, subject or the caller's phone as typed; a total that
stops counting at the cap; page numbers; "mine" is not "my unit" for an agent (首问负责)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from hotline.web import selectors
from tests.factories import MembershipFactory, UserFactory, register


def numbers(html: str) -> list[str]:
    return re.findall(r'id="row-([^"]+)"', html)


def page(client: Any, user: Any, **params: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("web:worklist"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_search_by_the_callers_phone_as_people_type_it(client, users):
    mine = register(users["agent"], complainant__phone="13822223333", subject="噪声")
    register(users["agent"], complainant__phone="13900001111", subject="噪声")
    for typed in ("13822223333", "138 2222 3333", "+86 138-2222-3333", "8613822223333"):
        assert numbers(page(client, users["coordinator"], tab="unit", q=typed)) == [mine.number], typed


def test_a_fixed_line_is_found_with_or_without_its_extension(client, users):
    ticket = register(users["agent"], complainant__phone="010-12345678转123")
    assert numbers(page(client, users["coordinator"], tab="unit", q="010-12345678")) == [ticket.number]
    assert numbers(page(client, users["coordinator"], tab="unit", q="01012345678-123")) == [ticket.number]


def test_a_reporters_phone_finds_nothing(client, users):
    register(users["agent"], type="report", complainant__phone="13822223333")
    assert numbers(page(client, users["coordinator"], tab="unit", q="13822223333")) == []


def test_search_by_number_and_subject_still_works(client, users):
    a = register(users["agent"], subject="电梯困人")
    b = register(users["agent"], subject="噪声扰民")
    assert numbers(page(client, users["coordinator"], tab="unit", q="电梯")) == [a.number]
    assert numbers(page(client, users["coordinator"], tab="unit", q=b.number)) == [b.number]


def test_the_hint_points_to_full_text_search(client, users):
    html = page(client, users["coordinator"], tab="unit")
    assert '<label class="form-label small" for="id_q">编号、标题或来电号码</label>' in html
    assert '<a href="/search/" id="search-link">检索</a>' in html


def test_a_total_and_page_numbers(client, users, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for _ in range(5):
        register(users["agent"])
    html = page(client, users["coordinator"], tab="unit")
    assert 'data-total="5">共 5 件' in html
    assert re.findall(r'data-page="(\d+)"', html) == ["2", "3"]
    assert '<li class="page-item active" aria-current="page"><span class="page-link">1</span>' in html
    html = page(client, users["coordinator"], tab="unit", page=3)
    assert len(numbers(html)) == 1 and re.findall(r'data-page="(\d+)"', html) == ["1", "2"]


def test_the_total_stops_counting_at_the_cap(client, users, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(selectors, "TOTAL_CAP", 3)
    for _ in range(5):
        register(users["agent"])
    html = page(client, users["coordinator"], tab="unit")
    assert 'data-total="3+">共 3+ 件' in html
    # session, user, memberships, packs in use, categories, units ×2, tickets, the count, unread
    with django_assert_max_num_queries(10):
        client.get(reverse("web:worklist"), {"tab": "unit"})


def test_page_numbers_with_gaps():
    p = selectors.Page(rows=[], has_more=True, page=6, total=400, size=20)
    assert p.page_numbers == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert selectors.Page(rows=[], has_more=False, page=1, total=0).page_numbers == [1]
    capped = selectors.Page(rows=[], has_more=True, page=1, total=1001, size=50)
    assert capped.total_text == "1000+" and capped.page_numbers[-1] == 20


def test_an_agents_mine_is_what_they_registered_and_unit_is_the_centres(client, users):
    colleague = UserFactory(username="agent2", first_name="李", last_name="")
    MembershipFactory(user=colleague, unit=users["agent"].memberships.first().unit, role="agent")
    own = register(users["agent"])
    theirs = register(colleague)
    portal = register(None)
    mine = numbers(page(client, users["agent"], tab="mine"))
    unit = numbers(page(client, users["agent"], tab="unit"))
    assert mine == [own.number]
    assert set(unit) == {own.number, theirs.number, portal.number}
    html = page(client, users["agent"])
    assert 'id="tab-mine" href' in html and 'aria-current="page">我的工单' in html  # the agent starts on mine
    assert "我登记的(首问负责)" in html[html.index('id="tab-hint"') :]
