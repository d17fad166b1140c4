"""Identity in search (ADR 0006): a confidential ticket's identity is never matched nor shown;
elsewhere phones, numbers and addresses are found by a fragment."""

from __future__ import annotations

from hotline.search.services import search
from tests.factories import PersonFactory, register

PHONE = "13912345678"


def _report(users):
    return register(
        users["agent"],
        type="report",
        confidential=True,
        subject="举报餐馆使用地沟油",
        description=f"我是李四维,电话{PHONE},住在江州市东湖区幸福路8号。",
        complainant=PersonFactory(name="李四维", phone=PHONE, address="江州市东湖区幸福路8号"),
    )


def test_confidential_report_is_not_found_by_its_reporters_identity(users):
    _report(users)
    for user in (users["coordinator"], users["admin"]):
        for q in (PHONE, "1234567", "3912345", "李四维", "幸福路8号"):
            assert search(user, q).hits == [], (user.username, q)


def test_snippet_of_a_confidential_report_shows_no_identity(users):
    ticket = _report(users)
    hits = search(users["coordinator"], "地沟油").hits
    assert [h.ticket.pk for h in hits] == [ticket.pk]
    shown = "".join(s.html for h in hits for s in h.snippets)
    body = search(users["coordinator"], "我是").hits[0].snippets
    text = shown + "".join(s.html for s in body)
    assert PHONE not in text and "李四维" not in text and "幸福路8号" not in text
    assert "139****5678" in text


def test_phone_and_number_fragments_find_an_open_ticket(users):
    ticket = register(users["agent"], complainant=PersonFactory(phone="13700001111"), subject="快递丢件")
    other = register(users["agent"], complainant=PersonFactory(phone="13611112222"), subject="快递丢件")
    coordinator = users["coordinator"]
    assert [h.ticket.pk for h in search(coordinator, "0000111").hits] == [ticket.pk]
    assert [h.ticket.pk for h in search(coordinator, "13700001111").hits] == [ticket.pk]
    assert [h.ticket.pk for h in search(coordinator, ticket.number[-7:]).hits] == [ticket.pk]
    assert [h.ticket.pk for h in search(coordinator, other.number).hits] == [other.pk]
    assert "<mark>0000111</mark>" in search(coordinator, "0000111").hits[0].snippets[0].html


def test_snippets_escape_everything_but_the_mark(users):
    register(users["agent"], subject="<script>alert(1)</script> 假冒伪劣")
    html = search(users["coordinator"], "假冒伪劣").hits[0].snippets[0].html
    assert "<script>" not in html and "</script>" not in html and "&lt;/script&gt;" in html
    assert html.count("<mark>") == html.count("</mark>") == 1 and "<mark>假冒伪劣</mark>" in html
