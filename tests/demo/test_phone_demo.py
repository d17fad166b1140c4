"""The demo's phone: agents can sign in with the printed staff numbers; its calls went
through the core (outcomes, callback tasks) and leave no screen pop waiting."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.demo.phone import seed_phone
from hotline.telephony import services
from hotline.telephony.models import Agent, Call, CallbackTask, CallOutcome, HotlineNumber, Push
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_demo_phone_is_seeded_once_through_the_core(users: dict[str, Any]) -> None:
    assert seed_phone(users, calls=30) == 30
    assert seed_phone(users, calls=30) == 0  # idempotent
    outcomes = set(Call.objects.values_list("outcome", flat=True))
    assert CallOutcome.ANSWERED in outcomes and outcomes & {CallOutcome.MISSED, CallOutcome.ABANDONED}
    unanswered = Call.objects.exclude(outcome=CallOutcome.ANSWERED).count()
    assert CallbackTask.objects.count() == unanswered
    assert Call.objects.filter(outcome=CallOutcome.ANSWERED, agent__isnull=False).count() == 30 - unanswered
    assert not Push.objects.exists()
    surveyed = Call.objects.filter(survey_score__isnull=False)
    assert surveyed.exists() and not surveyed.exclude(outcome=CallOutcome.ANSWERED).exists()
    number = HotlineNumber.objects.get(number="12345")
    assert number.working_menu is not None and number.after_hours_menu is not None
    assert number.working_menu.options.filter(action="progress").exists()
    agent = services.agent_sign_in(user=users["agent"], staff_no="1001", extension="8001", password=PASSWORD)
    assert agent.state == "ready" and set(agent.groups.values_list("code", flat=True)) == {
        "hotline",
        "consumer",
    }
    assert Agent.objects.count() == 2  # the telecom agent needs the telecom users
