"""What the actions around a reply tell whom: a reply into a review stage (审核) is not yet
the complainant's answer; the head's approval (审核通过) is. Interim replies, send-backs
and leaders' instructions each have their own message. State is built through
``ticket_transition`` on a small pack with a review stage (the ``reviewing`` fixture,
tests/notify/review_pack.py)."""

from __future__ import annotations

from hotline.followup.models import ReturnVisit
from hotline.notify.models import Message
from tests.factories import PersonFactory, register
from tests.helpers import act

REPLY = "经核查,商家已同意退货退款"


def _handling(org):
    users = org.users
    person = PersonFactory(name="孙小美", phone="13912340000", email="sun@example.com")
    ticket = register(users["agent"], policy="review", complainant=person)
    ticket = act(ticket, "accept", users["agent"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    return act(ticket, "assign", users["head"], handler="handler")


def _complainant(ticket, kind):
    return list(
        Message.objects.filter(ticket=ticket, kind=kind, user__isnull=True)
        .order_by("channel")
        .values_list("channel", flat=True)
    )


def _staff(ticket, kind):
    return sorted(
        Message.objects.filter(ticket=ticket, kind=kind, channel="inapp").values_list(
            "user__username", flat=True
        )
    )


def test_a_reply_under_review_goes_to_the_head_not_the_complainant(reviewing):
    ticket = _handling(reviewing)
    # When the handler replies into the review stage
    ticket = act(ticket, "reply", reviewing.users["handler"], result=REPLY)
    assert ticket.stage == "review"
    # Then the complainant hears nothing yet, and no return visit opens
    assert _complainant(ticket, "result") == []
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()
    # and the head who may approve it is asked to review it, with the reply's text
    assert _staff(ticket, "approval_needed") == ["head"]
    message = Message.objects.get(ticket=ticket, kind="approval_needed", channel="inapp")
    assert message.subject.startswith("待审批(答复审核):")
    assert REPLY in message.body and "待负责人审核" in message.body


def test_the_heads_approval_is_the_answer_and_opens_the_visit(reviewing):
    users = reviewing.users
    ticket = act(_handling(reviewing), "reply", users["handler"], result=REPLY)
    # When the head approves the reply
    ticket = act(ticket, "approve_reply", users["head"], comment="同意")
    assert ticket.stage == "replied"
    # Then the complainant gets the result, by SMS and email, with the reply's text
    assert _complainant(ticket, "result") == ["email", "sms"]
    email = Message.objects.get(ticket=ticket, kind="result", channel="email")
    assert REPLY in email.body
    # and the return visit is opened, the coordinator told
    assert ReturnVisit.objects.filter(ticket=ticket, status="open").count() == 1
    assert _staff(ticket, "visit_due") == ["coordinator"]


def test_send_back_tells_the_handler_and_only_the_approved_reply_goes_out(reviewing):
    users = reviewing.users
    ticket = act(_handling(reviewing), "reply", users["handler"], result="已处理")
    # When the head sends the reply back
    ticket = act(ticket, "send_back", users["head"], reason="请写明退款金额")
    # Then the handler is told why, and nobody else
    assert _staff(ticket, "sent_back") == ["handler"]
    assert "请写明退款金额" in Message.objects.get(ticket=ticket, kind="sent_back").body
    assert _complainant(ticket, "result") == []
    # and after the second reply is approved, the complainant gets that one once
    ticket = act(ticket, "reply", users["handler"], result=REPLY)
    ticket = act(ticket, "approve_reply", users["head"])
    (email,) = Message.objects.filter(ticket=ticket, kind="result", channel="email")
    assert REPLY in email.body and "已处理" not in email.body
    assert ReturnVisit.objects.filter(ticket=ticket).count() == 1


def test_an_interim_reply_tells_the_complainant_the_matter_goes_on(reviewing):
    ticket = _handling(reviewing)
    ticket = act(ticket, "interim_reply", reviewing.users["handler"], result="已约商家下周一到场检测")
    assert _complainant(ticket, "interim") == ["email", "sms"]
    sms = Message.objects.get(ticket=ticket, kind="interim", channel="sms")
    assert ticket.number in sms.body and "已约商家下周一到场检测" in sms.body
    assert sms.params["result"] == "已约商家下周一到场检测"
    email = Message.objects.get(ticket=ticket, kind="interim", channel="email")
    assert "阶段性办理情况" in email.body
    # not the result, and no return visit: the matter is still being handled
    assert _complainant(ticket, "result") == []
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()


def test_a_leaders_instruction_tells_the_coordinators(reviewing):
    ticket = _handling(reviewing)
    act(ticket, "instruct", reviewing.users["leader"], instruction="请三日内查清并回复")
    assert _staff(ticket, "instructed") == ["coordinator"]
    message = Message.objects.get(ticket=ticket, kind="instructed")
    assert "请三日内查清并回复" in message.body
    assert Message.objects.filter(ticket=ticket, kind="instructed", user__isnull=True).count() == 0


def test_no_message_about_these_actions_names_the_complainant(reviewing):
    users = reviewing.users
    ticket = act(_handling(reviewing), "interim_reply", users["handler"], result="处理中")
    ticket = act(ticket, "instruct", users["leader"], instruction="从严")
    ticket = act(ticket, "reply", users["handler"], result="已处理")
    ticket = act(ticket, "send_back", users["head"], reason="补充材料")
    for m in Message.objects.filter(ticket=ticket, user__isnull=False):
        for secret in ("孙小美", "13912340000", "sun@example.com"):
            assert secret not in m.subject + m.body
