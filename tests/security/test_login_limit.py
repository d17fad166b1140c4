"""Issue 16, defect 3: one failed-login limit for every door (django-axes).

The admin's login had no limit at all (25 wrong passwords, then in), and the workbench
login's lock was bypassed through the API's token endpoint. Now every door counts in the
same place — per user name and per client address — and an administrator unlocks.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from hotline.api.problems import PROBLEM_BASE
from hotline.core import logins
from tests.conftest import PASSWORD

LIMIT = settings.AXES_FAILURE_LIMIT


def _web(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _admin(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def _api(client: APIClient, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


DOORS = {"web": (_web, Client), "admin": (_admin, Client), "api": (_api, APIClient)}


def _logged_in(door: str, response) -> bool:
    if door == "api":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


@pytest.mark.parametrize("door", DOORS)
def test_each_door_locks_after_the_limit_even_for_the_right_password(users, door):
    send, make = DOORS[door]
    client = make()
    for _ in range(LIMIT - 1):
        assert not _logged_in(door, send(client, "admin", "wrong-password"))

    last = send(client, "admin", "wrong-password")
    right = send(client, "admin", PASSWORD)

    assert last.status_code == right.status_code == 429
    assert not _logged_in(door, right)
    if door == "api":
        assert right.json()["code"] == "too_many_login_failures"
        assert right["Content-Type"] == "application/problem+json"
    else:
        assert "登录失败次数过多" in right.content.decode()


def test_failures_at_one_door_count_at_the_others(users):
    """The API's token endpoint no longer buys a fresh budget."""
    web, api = Client(), APIClient()
    for i in range(LIMIT):
        if i % 2:
            _web(web, "head", "wrong-password")
        else:
            _api(api, "head", "wrong-password")

    assert _web(web, "head", PASSWORD).status_code == 429
    assert _api(api, "head", PASSWORD).status_code == 429
    assert _admin(Client(), "head", PASSWORD).status_code == 429


def test_the_user_is_locked_from_every_address(users):
    for i in range(LIMIT):
        _api(APIClient(), "head", "wrong-password", address=f"10.9.0.{i}")
    assert _web(Client(), "head", PASSWORD, address="10.9.1.1").status_code == 429


def test_the_address_is_locked_for_every_user(users):
    for i in range(LIMIT):
        _web(Client(), f"nobody{i}", "wrong-password", address="10.8.0.1")  # password spraying
    assert _web(Client(), "head", PASSWORD, address="10.8.0.1").status_code == 429
    assert _logged_in("web", _web(Client(), "handler", PASSWORD, address="10.8.0.2"))


def test_a_forwarded_for_header_does_not_buy_a_new_address(users):
    for i in range(LIMIT):
        Client().post(
            reverse("web:login"),
            {"username": f"nobody{i}", "password": "x"},
            REMOTE_ADDR="10.7.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert _web(Client(), "handler", PASSWORD, address="10.7.0.1").status_code == 429


def test_an_administrator_unlocks_in_the_admin(users):
    for _ in range(LIMIT):
        _web(Client(), "head", "wrong-password")
    assert _web(Client(), "head", PASSWORD, address="10.6.0.1").status_code == 429
    admin = Client()
    admin.force_login(users["admin"])
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "head" in admin.get(changelist).content.decode()

    rows = list(AccessAttempt.objects.filter(username="head").values_list("pk", flat=True))
    answer = admin.post(changelist, {"action": "delete_selected", "_selected_action": rows, "post": "yes"})

    assert answer.status_code == 302
    assert _logged_in("web", _web(Client(), "head", PASSWORD))


def test_an_administrator_unlocks_with_a_command(users):
    for _ in range(LIMIT):
        _api(APIClient(), "head", "wrong-password")
    assert _api(APIClient(), "head", PASSWORD, address="10.5.0.1").status_code == 429

    call_command("axes_reset_username", "head")

    assert _logged_in("api", _api(APIClient(), "head", PASSWORD))


def test_the_lockout_problem_uses_the_api_problem_base():
    assert logins.PROBLEM_BASE == PROBLEM_BASE
