"""factory_boy factories. Tickets are built through the registration service."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from hotline.org.models import Membership, Unit
from hotline.tickets.models import Category, Ticket
from hotline.workflow.drafts import Person, Respondent, TicketDraft
from hotline.workflow.registration import ticket_register


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = "department"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试用户"
    password = factory.django.Password("pw-test-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = "agent"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"分类{n}")


class PersonFactory(factory.Factory):
    class Meta:
        model = Person

    name = "张三"
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = "zhangsan@example.com"
    id_number = "110101199001011234"
    address = "江州市东湖区东湖路1号"


class DraftFactory(factory.Factory):
    class Meta:
        model = TicketDraft

    type = "complaint"
    # ticket_register wants a number from a caller: a complainant without one wrote in
    channel = factory.LazyAttribute(
        lambda o: "phone" if o.complainant.phone or o.complainant.anonymous else "email"
    )
    subject = "购买的电饭煲无法加热"
    description = "使用一周后无法加热,商家拒绝退换。"
    demand = "要求退货"
    complainant = factory.SubFactory(PersonFactory)
    respondent = factory.LazyFunction(lambda: Respondent(name="某电器店"))


def register(actor: Any, *, now: Any = None, **draft: Any) -> Ticket:
    """A ticket registered through the service by ``actor`` (None: the public)."""
    close = draft.pop("close_on_the_spot", None)
    return ticket_register(draft=DraftFactory(**draft), actor=actor, now=now, close_on_the_spot=close)
