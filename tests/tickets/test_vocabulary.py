"""The model choices and the policy-pack vocabulary name the same things."""

from __future__ import annotations

from hotline.api.serializers import ACTIONS
from hotline.org.models import Role
from hotline.policies import vocab
from hotline.tickets.models import Satisfaction, Severity, TicketType
from hotline.workflow.actions import HANDLERS


def test_model_choices_match_the_pack_vocabulary():
    assert tuple(TicketType.values) == vocab.TICKET_TYPES
    assert set(Role.values) == set(vocab.ROLES)
    assert tuple(Severity.values) == vocab.SEVERITIES
    assert tuple(Satisfaction.values) == vocab.SATISFACTIONS


def test_every_pack_action_has_a_handler_and_the_api_accepts_it():
    assert set(HANDLERS) == set(vocab.ACTIONS)
    assert set(ACTIONS) == set(vocab.ACTIONS) | set(vocab.ENGINE_ACTIONS)
