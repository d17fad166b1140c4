"""Twenty complaints about one respondent within an hour are suggested as one batch (on the
board and at ``/api/v1/batches/``); confirming makes one parent whose answer reaches all
twenty complainants, each by their own channel (the outbox's rows), the others held under
it (clocks stopped) and closed with it on the parent's clock."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from hotline.notify.models import Message
from hotline.reports.models import Fact
from hotline.similar.models import Batch, BatchStatus, Member, MemberState
from hotline.tickets.models import LinkKind, Ticket, TicketLink
from hotline.workflow.drafts import Respondent
from tests.helpers import act

SPELLINGS = ["华联超市(人民路店)", "华联超市 人民路店", "华联超市人民路店", "华联超市（人民路店）"]
GOODS = ["牛奶", "面包", "酸奶", "火腿肠", "饼干"]


def _twenty(users, registered) -> list[Ticket]:
    start = timezone.now() - timedelta(minutes=60)
    tickets = []
    for i in range(20):
        by_mail = i % 4 == 3  # every fourth complainant wrote in and left only an e-mail
        tickets.append(
            registered(
                users["agent"],
                now=start + timedelta(minutes=3 * i),
                channel="email" if by_mail else "phone",
                subject=f"超市卖过期{GOODS[i % 5]}",
                description=f"今天在超市买的{GOODS[i % 5]}已经过期{i + 1}天,要求退款并查处。",
                complainant__phone="" if by_mail else f"1390000{i:04d}",
                complainant__email=f"c{i}@example.com" if by_mail else "",
                complainant__id_number="",
                respondent=Respondent(name=SPELLINGS[i % 4]),
            )
        )
    return tickets


def test_twenty_complaints_about_one_shop_become_one_batch_and_one_reply_reaches_all(users, registered, api):
    tickets = _twenty(users, registered)
    [batch] = Batch.objects.all()
    assert (batch.basis, batch.status, batch.key) == ("respondent", "suggested", "华联超市人民路店")
    assert Member.objects.filter(batch=batch).count() == 20
    board = Client()
    board.force_login(users["coordinator"])
    assert f'data-batch="{batch.pk}"' in board.get("/board/").content.decode()
    listed = api(users["coordinator"]).get("/api/v1/batches/").json()
    [row] = listed["results"]
    assert row["id"] == batch.pk and row["complainants"] == 20 and len(row["tickets"]) == 20
    assert {t["state"] for t in row["tickets"]} == {"suggested"}

    confirmed = api(users["coordinator"]).post(
        f"/api/v1/batches/{batch.pk}/confirm/", {"version": row["version"]}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    parent = tickets[0]  # the first complaint, by default
    assert confirmed.json()["parent"] == parent.number and confirmed.json()["status"] == "confirmed"
    children = [Ticket.objects.get(pk=t.pk) for t in tickets[1:]]
    assert {c.status for c in children} == {"suspended"}
    assert all(c.suspension and c.suspension["parent"] == parent.number for c in children)
    assert TicketLink.objects.filter(kind=LinkKind.PARENT, target=parent).count() == 19
    assert parent.events.filter(action="confirm_batch").count() == 1

    # the parent is handled; nobody acts on the children
    coordinator, head, handler = users["coordinator"], users["head"], users["handler"]
    parent = act(parent, "accept", users["agent"])
    parent = act(parent, "dispatch", coordinator, unit="JZ-DH-SJ")
    parent = act(parent, "sign", head)
    parent = act(parent, "assign", head, handler="handler")
    parent = act(parent, "reply", handler, result="已责令超市下架过期食品并为购买者退款。")
    for ticket in tickets:  # every complainant is told the one answer by their own channel
        told = Message.objects.filter(ticket_id=ticket.pk, kind="result")
        channels = set(told.values_list("channel", flat=True))
        assert channels == ({"email"} if ticket.channel == "email" else {"sms"}), (ticket.number, channels)
        assert all("退款" in m.body for m in told)
    for child in children:
        assert child.events.filter(action="batch_reply", public=True).count() == 1
    parent = act(parent, "return_visit", coordinator, satisfaction="satisfied")
    if parent.status != "closed":
        parent = act(parent, "close", coordinator)
    for child in children:
        child.refresh_from_db()
        assert (child.status, child.stage, child.suspension) == ("closed", "closed", None)
        assert child.final_due_at == parent.final_due_at  # the parent's clock
        assert child.events.last().action == "close_with_parent"
        assert Fact.objects.filter(ticket_id=child.pk, kind="closed").exists()
        # told once: the close brought no new answer
        assert Message.objects.filter(ticket_id=child.pk, kind="result").count() == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CLOSED
    assert set(Member.objects.filter(batch=batch).values_list("state", flat=True)) == {
        MemberState.PARENT,
        MemberState.CLOSED,
    }


def test_five_callers_alike_without_a_respondent_are_one_topic_and_one_caller_is_not(users, registered):
    text = "小区门口的垃圾站每天早上五点清运噪音很大,严重影响休息,要求调整清运时间。"
    for _i in range(4):  # one caller, four times: a repeat, never a batch
        registered(
            users["agent"],
            subject="垃圾站清运噪音",
            description=text,
            complainant__phone="13700000001",
            complainant__email="",
            complainant__id_number="",
            respondent=Respondent(name=""),
        )
    assert not Batch.objects.exists()
    for i in range(4):
        registered(
            users["agent"],
            subject="垃圾站清运噪音扰民",
            description=text,
            complainant__phone=f"1370000010{i}",
            complainant__email="",
            complainant__id_number="",
            respondent=Respondent(name=""),
        )
    [batch] = Batch.objects.all()
    assert batch.basis == "topic" and Member.objects.filter(batch=batch).count() == 8
