"""Done when: a handler searching a word from another unit's ticket finds nothing of it."""

from __future__ import annotations

from hotline.search.services import search
from tests.factories import register
from tests.helpers import act


def _at(users, unit, head, handler, **draft):
    ticket = register(users["agent"], policy="enterprise", **draft)
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit=unit)
    ticket = act(ticket, "sign", users[head])
    return act(ticket, "assign", users[head], handler=handler)


def test_handler_finds_nothing_of_another_units_ticket(users):
    mine = _at(users, "JZ-DH-SJ", "head", "handler", subject="超市销售过期酸奶")
    theirs = _at(
        users, "JZ-XS-ZJ", "head2", "handler2", subject="工地夜间施工噪音", description="塔吊彻夜作业"
    )
    assert search(users["handler"], "塔吊").hits == []
    assert search(users["handler"], "施工噪音").hits == []
    assert search(users["head"], "塔吊").hits == []
    assert [h.ticket.pk for h in search(users["handler2"], "塔吊").hits] == [theirs.pk]
    assert [h.ticket.pk for h in search(users["handler"], "过期酸奶").hits] == [mine.pk]
    assert {h.ticket.pk for h in search(users["coordinator"], "施工噪音 塔吊").hits} == {theirs.pk}


def test_filters_narrow_the_hits(users):
    a = _at(users, "JZ-DH-SJ", "head", "handler", subject="电梯故障困人")
    b = register(users["agent"], subject="电梯故障无人维修", type="consultation")
    coordinator = users["coordinator"]
    from hotline.search.services import read_filters

    assert {h.ticket.pk for h in search(coordinator, "电梯故障").hits} == {a.pk, b.pk}
    assert [
        h.ticket.pk for h in search(coordinator, "电梯故障", filters=read_filters(unit="JZ-DH")).hits
    ] == [a.pk]
    by_type = read_filters(type="consultation")
    assert [h.ticket.pk for h in search(coordinator, "电梯故障", filters=by_type).hits] == [b.pk]
    day = b.received_at.astimezone().date().isoformat()
    assert len(search(coordinator, "电梯故障", filters=read_filters(received_from=day)).hits) == 2
    assert search(coordinator, "电梯故障", filters=read_filters(received_to="2001-01-01")).hits == []
    assert search(coordinator, "电梯故障", filters=read_filters(status="closed")).hits == []
