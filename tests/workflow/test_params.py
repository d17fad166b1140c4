"""The table of action parameters (``workflow.params``) is what the handlers, the API schema
and the workbench's forms agree on."""

from __future__ import annotations

import pytest

from hotline.core.errors import HotlineError, InvalidInput
from hotline.policies import vocab
from hotline.workflow.actions import HANDLERS
from hotline.workflow.params import ACTION_PARAMS
from tests.factories import register
from tests.helpers import act


def test_every_action_has_its_parameters_listed():
    assert set(ACTION_PARAMS) == set(vocab.ACTIONS) | set(vocab.ENGINE_ACTIONS)
    assert set(HANDLERS) <= set(ACTION_PARAMS)


def _at(users, stage: str):
    ticket = register(users["agent"], policy="enterprise")
    path = [
        ("accept", "coordinator", {}),
        ("dispatch", "coordinator", {"unit": "JZ-DH-SJ"}),
        ("sign", "head", {}),
        ("assign", "head", {"handler": "handler"}),
    ]
    for action, who, params in path:
        if ticket.stage == stage:
            break
        ticket = act(ticket, action, users[who], **params)
    return ticket


@pytest.mark.parametrize(
    ("stage", "action", "who"),
    [
        ("registered", "reject", "coordinator"),
        ("accepted", "dispatch", "coordinator"),
        ("handling", "reply", "handler"),
        ("handling", "request_extension", "head"),
        ("handling", "assign", "head"),
    ],
)
def test_a_required_parameter_left_out_is_refused_naming_it(users, stage, action, who):
    ticket = _at(users, stage)
    required = [p.name for p in ACTION_PARAMS[action] if p.required]
    assert required
    with pytest.raises(InvalidInput) as refused:
        act(ticket, action, users[who])
    assert refused.value.extra.get("field") in required


def test_the_api_schema_gives_each_action_its_own_shape(users, api):
    schema = api(users["coordinator"]).get("/api/schema/", {"format": "json"}).json()
    shapes = schema["components"]["schemas"]
    action_in = shapes["ActionInRequest"]
    assert action_in["discriminator"]["propertyName"] == "action"
    assert shapes["ReplyActionInRequest"]["required"] == ["action", "result"]
    assert "result" not in shapes["AcceptActionInRequest"]["properties"]
    assert set(shapes["RequestExtensionActionInRequest"]["required"]) == {"action", "amount", "reason"}


def test_a_parameter_the_action_does_not_take_is_refused(users, api):
    ticket = register(users["agent"], policy="enterprise")
    answer = api(users["coordinator"]).post(
        f"/api/v1/tickets/{ticket.number}/actions/", {"action": "accept", "result": "x"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "unknown_field"
    assert isinstance(HotlineError, type)
