"""The demo organisation: written in bulk on an empty database, row by row on one that has
it; both give the same tree (materialised paths as ``org.services.unit_save`` keeps them),
the same categories, users and roles, and the password works."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.demo.seed import CATEGORIES, UNITS, USERS, seed_org, seed_telecom
from hotline.org.models import Membership, Unit
from hotline.tickets.models import Category


def password_ok(username: str, password: str) -> bool:
    return bool(get_user_model().objects.get(username=username).check_password(password))


def snapshot() -> list[tuple[object, ...]]:
    units = [
        (u.code, u.name, u.kind, u.parent.code if u.parent else None, u.region, u.policy, u.path, u.depth)
        for u in Unit.objects.select_related("parent").order_by("code")
    ]
    cats = [
        (c.code, c.name, c.parent.code if c.parent else None, c.sort)
        for c in Category.objects.select_related("parent").order_by("code")
    ]
    roles = sorted(Membership.objects.values_list("user__username", "unit__code", "role"))
    return [*units, *cats, *roles]


def test_a_fresh_database_gets_the_tree_in_a_few_queries_and_a_second_seed_changes_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        org = seed_org(password="pw-one-2026", policy="enterprise")
    assert len(queries.captured_queries) < 30, len(queries.captured_queries)
    assert set(org.units) == {row[0] for row in UNITS}
    assert set(org.users) == {row[0] for row in USERS}
    assert Category.objects.count() == len(CATEGORIES)
    for unit in Unit.objects.select_related("parent"):
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.pk}/", unit.code
        assert unit.depth == (unit.parent.depth + 1 if unit.parent else 0), unit.code
    assert org.units["JZ"].policy == "enterprise" and org.units["JZ-C"].policy == ""
    assert org.units["JZ"].covers(org.units["JZ-DH-SJ"])
    assert org.users["admin"].is_staff and org.users["admin"].is_superuser
    assert not org.users["agent"].is_staff
    assert password_ok("handler", "pw-one-2026")

    before = snapshot()
    seed_org(password="pw-two-2026", policy="enterprise")  # row by row: updates, adds nothing
    assert snapshot() == before
    assert password_ok("handler", "pw-two-2026")
    assert not password_ok("handler", "pw-one-2026")


def test_the_telecom_tree_beside_the_city(db):
    seed_org(password="pw-one-2026")
    telecom = seed_telecom(password="pw-one-2026")  # fresh for its own rows
    root = telecom.units["JZ-TEL"]
    assert root.policy == "telecom" and root.parent is None and root.depth == 0
    assert telecom.units["JZ-TEL-NET"].path == f"{root.path}{telecom.units['JZ-TEL-NET'].pk}/"
    assert Category.objects.get(code="fee_dispute").parent.code == "telecom"
    assert Category.objects.get(code="fee_dispute").sort == 102
    assert not telecom.users["telagent"].is_staff
    before = snapshot()
    seed_telecom(password="pw-one-2026")
    assert snapshot() == before
