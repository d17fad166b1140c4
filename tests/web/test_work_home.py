"""Each role lands on its own page; the menu shows what the user's roles may use."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hotline.notify.services import notify_staff
from hotline.org.models import Membership
from tests.factories import register


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("agent", "/intake/"),
        ("handler", "/work/?tab=mine"),
        ("head", "/work/?tab=unit"),
        ("teamlead", "/work/?tab=unit"),
        ("coordinator", "/board/"),
        ("leader", "/approvals/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_page(client, users, username, landing):
    client.force_login(users[username])
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url == landing


def test_several_roles_land_by_priority(client, users, org):
    Membership.objects.create(user=users["agent"], unit=org.units["JZ-C"], role="coordinator")
    client.force_login(users["agent"])
    assert client.get("/").url == "/board/"


def test_a_user_without_a_role_is_told_so(client, db):
    nobody = get_user_model().objects.create_user("nobody", password="pw-test-123")
    client.force_login(nobody)
    response = client.get("/")
    assert response.status_code == 403 and "尚未分配任何角色" in response.content.decode()
    assert client.get(reverse("web:worklist")).status_code == 403


def nav(client, user) -> set[str]:
    client.force_login(user)
    html = client.get(reverse("web:notifications")).content.decode()
    return set(re.findall(r'id="nav-([a-z-]+)"', html))


def test_the_menu_follows_the_roles(client, users):
    every_role = {"kb-list", "search", "export-list", "notifications"}  # all staff
    assert nav(client, users["handler"]) == {"worklist", "assessment", *every_role}  # their own card
    head_pages = {"worklist", "rectification-list", "assessment", "reports"}
    assert nav(client, users["head"]) == {*head_pages, *every_role}
    phone = {"agent", "calls", "call-tasks"}
    assert nav(client, users["agent"]) == {"intake", "worklist", "blocklist", *phone, *every_role}
    assert "blocklist" in nav(client, users["teamlead"])
    assert {"board", "approvals", "callbacks", "intake"} <= nav(client, users["coordinator"])
    assert {"board", "approvals"} <= nav(client, users["leader"])
    assert "callbacks" not in nav(client, users["leader"])
    assert {"packs", "admin", "board"} <= nav(client, users["admin"])


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("handler", "web:board"),
        ("head", "web:approvals"),
        ("handler", "web:callbacks"),
        ("head", "web:packs"),
    ],
)
def test_pages_outside_the_roles_are_forbidden_in_chinese(client, users, username, page):
    client.force_login(users[username])
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_the_menu_shows_the_unread_count(client, users):
    ticket = register(users["agent"])
    notify_staff(ticket=ticket, kind="dispatched", users=[users["head"]], key=f"test-unread-{ticket.pk}")
    client.force_login(users["head"])
    html = client.get(reverse("web:worklist")).content.decode()
    assert re.search(r'id="unread-count">\s*1\s*<', html)
