"""The index is written with the change: a registration is found in the same request cycle,
a reply as soon as it is recorded, a rolled-back change never."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction

from hotline.search.models import TicketDocument
from hotline.search.services import search
from tests.factories import register
from tests.helpers import act


def numbers(user, q, **kw):
    return [hit.ticket.number for hit in search(user, q, page_size=100, **kw).hits]


def test_registered_ticket_is_found_at_once(users):
    ticket = register(users["agent"], subject="小区门口烧烤摊油烟扰民", description="每晚十点后仍在营业。")
    assert numbers(users["coordinator"], "烧烤摊") == [ticket.number]
    assert numbers(users["coordinator"], "十点后 油烟") == [ticket.number]


def test_reply_is_searchable_once_recorded(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    assert numbers(users["head"], "责令商家全额退款") == []
    act(ticket, "reply", users["handler"], result="已责令商家全额退款")
    assert numbers(users["head"], "责令商家全额退款") == [ticket.number]
    hit = search(users["head"], "全额退款").hits[0]
    assert "<mark>全额退款</mark>" in hit.snippets[0].html
    assert hit.snippets[0].label == "答复"


def test_rolled_back_registration_leaves_no_document(users):
    with pytest.raises(RuntimeError), transaction.atomic():
        register(users["agent"], subject="回滚的登记不应留下索引")
        raise RuntimeError
    assert not TicketDocument.objects.exists()
    assert numbers(users["coordinator"], "回滚的登记") == []


def test_reindex_rebuilds_and_a_second_run_writes_nothing(users, capsys):
    ticket = register(users["agent"], subject="热水器漏水")
    TicketDocument.objects.all().delete()
    assert numbers(users["coordinator"], "热水器漏水") == []
    call_command("search_reindex", batch=1)
    assert numbers(users["coordinator"], "热水器漏水") == [ticket.number]
    call_command("search_reindex")
    assert "写入 0" in capsys.readouterr().out.splitlines()[-1]
