"""Odd digits ("²", "①" pass str.isdigit) are bad input, never a server error."""

from __future__ import annotations

import pytest

from hotline.core.parsing import small_int
from tests.factories import register


@pytest.mark.parametrize(
    ("value", "expected"), [("12", 12), ("²", None), ("①", None), ("", None), ("1" * 10, None)]
)
def test_small_int(value, expected):
    assert small_int(value) == expected


def test_bulk_sign_with_a_strange_version_is_not_a_500(client, users):
    ticket = register(users["agent"])
    client.force_login(users["head"])
    response = client.post("/work/sign/", {"ticket": f"{ticket.number}:²"})
    assert response.status_code < 500


def test_marking_strange_ids_read_is_not_a_500(client, users):
    client.force_login(users["coordinator"])
    response = client.post("/notifications/read/", {"id": ["²", "7"]})
    assert response.status_code < 500
