from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from hotline.org.models import Unit
from hotline.workflow.access import tickets_visible_to
from tests.factories import register
from tests.helpers import act


def test_a_unit_path_reaches_down_the_tree(org):
    city, dept = org.units["JZ"], org.units["JZ-DH-SJ"]
    assert dept.path.startswith(city.path)
    assert city.covers(dept) and not dept.covers(city)


def test_moving_a_unit_rewrites_the_paths_below(org):
    county = org.units["JZ-DH"]
    county.parent = org.units["JZ-SJ"]
    county.save()
    dept = Unit.objects.get(code="JZ-DH-SJ")
    assert dept.path == f"{org.units['JZ-SJ'].path}{county.pk}/{dept.pk}/"


def test_a_unit_with_an_unknown_pack_is_refused(org):
    unit = org.units["JZ-DH"]
    unit.policy = "no-such-pack"
    with pytest.raises(ValidationError):
        unit.full_clean()


def test_a_handler_sees_only_the_tickets_assigned_to_them(users):
    mine = register(users["agent"], policy="enterprise")
    other = register(users["agent"], policy="enterprise")
    for t in (mine, other):
        t = act(t, "accept", users["coordinator"])
        t = act(t, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
        act(t, "sign", users["head"])
    act(mine, "assign", users["head"], handler="handler")
    assert list(tickets_visible_to(users["handler"])) == [mine]
    assert set(tickets_visible_to(users["head"])) == {mine, other}


def test_a_closed_ticket_takes_no_more_attachments(users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.core.errors import InvalidTransition
    from hotline.workflow.attachments import attachment_add

    settings.MEDIA_ROOT = tmp_path
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "reject", users["coordinator"], reason="outside_mandate")
    with pytest.raises(InvalidTransition):
        attachment_add(ticket=ticket, upload=SimpleUploadedFile("a.pdf", b"%PDF"), actor=users["agent"])
    assert ticket.attachments.count() == 0
