"""Staff messages say which matter, where it is and how late: the ticket's subject, its
current unit and stage, and for overdue/escalated how late in the clock's unit. Never who
complained."""

from __future__ import annotations

from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from tests.factories import PersonFactory, register
from tests.helpers import act, local

PERSON = {"name": "周大福", "phone": "13755558642", "email": "zhou@example.com"}


def test_a_dispatch_names_the_subject_unit_and_stage(users):
    ticket = register(users["agent"], policy="enterprise", complainant=PersonFactory(**PERSON))
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    message = Message.objects.get(ticket=ticket, kind="dispatched", channel="inapp", user=users["head"])
    assert message.subject == f"新派工单:{ticket.number} 购买的电饭煲无法加热"
    assert "“购买的电饭煲无法加热”" in message.body
    assert "当前单位:东湖区市场监督管理局" in message.body
    assert "当前环节:待签收" in message.body


def test_overdue_says_how_late_in_the_clocks_unit(users):
    # Given an urgent complaint registered Monday 12 Oct 10:00: one hour to accept (due 11:00)
    ticket = register(
        users["agent"],
        policy="enterprise",
        severity="urgent",
        complainant=PersonFactory(**PERSON),
        now=local("2026-10-12 10:00"),
    )
    assert ticket.due_at == local("2026-10-12 11:00")
    # When the first sweep after the due time runs at 14:10
    run_sweep(local("2026-10-12 14:10"))
    # Then the overdue message says three hours (the clock counts hours), in its title too
    message = Message.objects.get(
        ticket=ticket, kind="overdue", channel="inapp", user__username="coordinator"
    )
    assert message.subject == f"已超期3小时:{ticket.number} 购买的电饭煲无法加热"
    assert "办理时限2026-10-12 11:00,已超期3小时" in message.body
    assert "当前单位:江州市12345热线中心" in message.body and "当前环节:待受理" in message.body


def test_no_staff_message_carries_the_complainants_identity(users):
    ticket = register(users["agent"], policy="enterprise", complainant=PersonFactory(**PERSON))
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "return", users["head"], reason="不属于本单位")
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    act(ticket, "request_extension", users["head"], amount=1, reason="需送检")
    run_sweep(local("2027-01-11 10:00"))  # a Monday, in working hours
    staff = Message.objects.filter(ticket=ticket, user__isnull=False)
    assert set(staff.values_list("kind", flat=True)) >= {
        "dispatched",
        "returned",
        "approval_needed",
        "escalated",
    }
    for m in staff:
        for secret in (*PERSON.values(), "8642"):
            assert secret not in m.subject + m.body, (m.kind, secret)


def test_a_fixed_line_gets_no_text_message(users):
    person = PersonFactory(name="吴", phone="010-12345678", email="")
    ticket = register(users["agent"], complainant=person)
    (row,) = Message.objects.filter(ticket=ticket, kind="receipt")
    assert (row.channel, row.status, row.last_error) == (
        "none",
        "skipped",
        "诉求人只留了固定电话,无法发送短信",
    )
    with_email = register(
        users["agent"], complainant=PersonFactory(phone="010-12345678", email="w@example.com")
    )
    rows = Message.objects.filter(ticket=with_email, kind="receipt")
    assert list(rows.values_list("channel", flat=True)) == ["email"]
