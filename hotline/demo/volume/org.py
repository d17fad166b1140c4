"""The organisation the tickets land in: demo units, extra departments, handlers and heads."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from hotline.calendar.counting import WorkCalendar
from hotline.calendar.services import get_calendar
from hotline.demo.samples import GIVEN, SURNAMES
from hotline.demo.volume.common import EXTRA_DEPARTMENTS, _Weighted
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack
from hotline.tickets.models import Category


@dataclass
class _Department:
    unit: Unit
    handlers: list[tuple[int, str]]  # (user id, username)
    heads: list[int]


@dataclass
class _World:
    intake: list[tuple[Unit, Pack]]  # units where tickets are registered, with their pack
    departments: list[_Department]
    department_picker: _Weighted[_Department]
    staff: dict[str, list[int]]  # centre role -> user ids
    categories: dict[str, Category]  # code -> leaf category
    calendar: WorkCalendar


def ensure_org(*, extra_units: int = 0, handlers_per_unit: int = 3, policy: str = "") -> None:
    """The demo organisation (seeded when there are no units at all), ``extra_units``
    more departments spread over the counties, and a few handlers plus a department head
    in every department. Idempotent; generated users cannot log in (no password)."""
    from hotline.demo.seed import DEFAULT_DEMO_PASSWORD, seed_org

    if not Unit.objects.exists():
        password = os.environ.get("HOTLINE_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        seed_org(password=password, **({"policy": policy} if policy else {}))
    with transaction.atomic():
        _add_departments(extra_units)
        _add_staff(handlers_per_unit)


def _add_departments(count: int) -> None:
    parents = list(Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("path")) or list(
        Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path")
    )
    if not parents or count <= 0:
        return
    for k in range(count):
        parent = parents[k % len(parents)]
        n = k // len(parents)
        lap, suffix = divmod(n, len(EXTRA_DEPARTMENTS))
        name = parent.name.removesuffix("人民政府") + EXTRA_DEPARTMENTS[suffix]
        name += f"第{lap + 1}分局" if lap else ""
        code = f"{parent.code}-G{n + 1:03d}"
        if not Unit.objects.filter(code=code).exists():
            Unit(code=code, name=name, kind=UnitKind.DEPARTMENT, parent=parent, region=parent.region).save()


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _add_staff(handlers_per_unit: int) -> None:
    User = get_user_model()
    rng = random.Random(7)
    wanted: list[tuple[str, str, Unit, str]] = []  # username, display name, unit, role
    for unit in Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True).order_by("code"):
        roles = list(Membership.objects.filter(unit=unit).values_list("role", flat=True))
        code = unit.code.lower()
        for k in range(roles.count(Role.HANDLER), handlers_per_unit):
            wanted.append((f"gen-{code}-h{k + 1}", _name(rng), unit, Role.HANDLER))
        if Role.DEPT_HEAD not in roles:
            wanted.append((f"gen-{code}-head", _name(rng), unit, Role.DEPT_HEAD))
    names = [w[0] for w in wanted]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new_users = []
    for username, display, _unit, _role in wanted:
        if username not in existing:
            user = User(username=username, first_name=display)
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users)
    ids = dict(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], unit=unit, role=role) for u, _d, unit, role in wanted],
        ignore_conflicts=True,
    )


def _load_world(rng: random.Random) -> _World:
    # Every read in a stable order (codes and names, not ids or heap order: on PostgreSQL a
    # table's physical order depends on the space earlier rolled-back writes left), so one seed
    # gives the same tickets on every database and in every test process.
    units = list(Unit.objects.filter(is_active=True).select_related("parent").order_by("code"))
    intake = [u for u in units if u.kind == UnitKind.CENTRE] or [u for u in units if u.parent_id is None]
    departments = [u for u in units if u.kind == UnitKind.DEPARTMENT] or intake
    members = list(
        Membership.objects.select_related("user")
        .filter(user__is_active=True)
        .order_by("unit__code", "role", "user__username")
    )
    staff: dict[str, list[int]] = {}
    handlers: dict[int, list[tuple[int, str]]] = {}
    heads: dict[int, list[int]] = {}
    for m in members:
        if m.role == Role.HANDLER:
            handlers.setdefault(m.unit_id, []).append((m.user_id, m.user.get_username()))
        elif m.role == Role.DEPT_HEAD:
            heads.setdefault(m.unit_id, []).append(m.user_id)
        else:
            staff.setdefault(m.role, []).append(m.user_id)
    for ids in staff.values():
        ids.sort()
    # Some departments are much busier than others (market regulation vs the water company).
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(departments))]
    rng.shuffle(weights)
    depts = [
        _Department(unit=u, handlers=sorted(handlers.get(u.pk, [])), heads=sorted(heads.get(u.pk, [])))
        for u in departments
    ]
    leaves = {
        c.code: c for c in Category.objects.filter(is_active=True).order_by("code") if c.parent_id is not None
    }
    return _World(
        intake=[(u, get_pack(u.effective_policy())) for u in intake],
        departments=depts,
        department_picker=_Weighted(list(zip(depts, weights, strict=True))),
        staff=staff,
        categories=leaves,
        calendar=get_calendar(),
    )
