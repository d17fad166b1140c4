"""Every ticket type goes from receipt to closure through the API under every pack.

The walk is driven by ``allowed_actions`` as the API reports them, preferring the
forward path, so it follows whatever stage graph each pack defines.
"""

from __future__ import annotations

import itertools
import random

import pytest

from hotline.demo.journey import FORWARD, action_params
from hotline.policies.registry import all_packs
from hotline.tickets.models import Ticket

STAFF = ["agent", "coordinator", "leader", "head", "handler"]
TYPES = ["complaint", "report", "consultation", "suggestion", "help", "praise"]


def _packs() -> list[str]:
    return sorted(p.code for p in all_packs())


@pytest.mark.parametrize("ticket_type", TYPES)
@pytest.mark.parametrize("pack", _packs())
def test_ticket_goes_from_receipt_to_closure(users, api, pack, ticket_type):
    clients = {name: api(users[name]) for name in STAFF}
    created = clients["agent"].post(
        "/api/v1/tickets/",
        {
            "type": ticket_type,
            "channel": "phone",
            "policy": pack,
            "subject": "测试诉求",
            "description": "测试内容",
            "complainant": {"name": "张三", "phone": "13812345678"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    taken: list[str] = []
    stayed: set[str] = set()  # actions that left the ticket in its stage (re-assign)
    for _ in range(25):
        responses = {name: c.get(f"/api/v1/tickets/{number}/") for name, c in clients.items()}
        # staff who may not see the ticket (yet) get 404
        views = {name: r.json() for name, r in responses.items() if r.status_code == 200}
        if views["coordinator"]["status"] == "closed":
            break
        options = {a: name for name, v in views.items() for a in v["allowed_actions"]}
        action = next((a for a in FORWARD if a in options and a not in stayed), None)
        assert action is not None, f"stuck in {views['coordinator']['stage']} with {options}"
        ticket = Ticket.objects.get(number=number)
        params = action_params(action, ticket, handler="handler", unit="JZ-DH-SJ", rng=random.Random(0))
        version = views[options[action]]["version"]
        response = clients[options[action]].post(
            f"/api/v1/tickets/{number}/actions/",
            {"action": action, "version": version, **params},
            format="json",
        )
        if response.status_code == 409 and response.json()["code"] == "no_change":
            stayed.add(action)  # e.g. re-assigning the handler the ticket already has
            continue
        assert response.status_code == 200, (action, response.json())
        body = response.json()
        assert body["version"] == version + 1
        if body["status"] == "open":
            assert body["due_at"] is not None, f"no deadline in stage {body['stage']}"
        stayed = stayed | {action} if body["stage"] == views["coordinator"]["stage"] else set()
        taken.append(action)
    final = clients["coordinator"].get(f"/api/v1/tickets/{number}/").json()
    assert final["status"] == "closed" and final["stage"] == "closed", taken
    history = clients["coordinator"].get(f"/api/v1/tickets/{number}/history/").json()
    assert [e["action"] for e in history] == ["register", *taken]
    for before, after in itertools.pairwise(history):
        assert after["from_stage"] == before["to_stage"]
