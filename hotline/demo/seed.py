"""The demo organisation: a city with two counties and their departments, one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from hotline.core.types import User
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.tickets.models import Category

DEFAULT_DEMO_PASSWORD = "hotline-demo-2026"

# (code, name, kind, parent code, region)
UNITS: list[tuple[str, str, str, str | None, str]] = [
    ("JZ", "江州市人民政府", UnitKind.CITY, None, "江州市"),
    ("JZ-C", "江州市12345热线中心", UnitKind.CENTRE, "JZ", "江州市"),
    ("JZ-SJ", "江州市市场监督管理局", UnitKind.DEPARTMENT, "JZ", "江州市"),
    ("JZ-ZJ", "江州市住房和城乡建设局", UnitKind.DEPARTMENT, "JZ", "江州市"),
    ("JZ-DH", "东湖区人民政府", UnitKind.COUNTY, "JZ", "江州市东湖区"),
    ("JZ-DH-SJ", "东湖区市场监督管理局", UnitKind.DEPARTMENT, "JZ-DH", "江州市东湖区"),
    ("JZ-DH-CG", "东湖区城市管理局", UnitKind.DEPARTMENT, "JZ-DH", "江州市东湖区"),
    ("JZ-XS", "西山县人民政府", UnitKind.COUNTY, "JZ", "江州市西山县"),
    ("JZ-XS-SJ", "西山县市场监督管理局", UnitKind.DEPARTMENT, "JZ-XS", "江州市西山县"),
    ("JZ-XS-ZJ", "西山县住房和城乡建设局", UnitKind.DEPARTMENT, "JZ-XS", "江州市西山县"),
]

# (username, display name, role, unit code)
USERS: list[tuple[str, str, str, str]] = [
    ("admin", "系统管理员", Role.ADMIN, "JZ"),
    ("agent", "王晓敏", Role.AGENT, "JZ-C"),
    ("coordinator", "李建国", Role.COORDINATOR, "JZ-C"),
    ("head", "陈志强", Role.DEPT_HEAD, "JZ-DH-SJ"),
    ("handler", "刘芳", Role.HANDLER, "JZ-DH-SJ"),
    ("leader", "赵德明", Role.LEADER, "JZ"),
    ("teamlead", "孙丽", Role.TEAM_LEADER, "JZ-C"),
    ("head2", "周伟", Role.DEPT_HEAD, "JZ-XS-ZJ"),
    ("handler2", "吴静", Role.HANDLER, "JZ-XS-ZJ"),
    ("head3", "郑海涛", Role.DEPT_HEAD, "JZ-DH-CG"),
    ("handler3", "黄蕾", Role.HANDLER, "JZ-DH-CG"),
]

# (code, name, parent code)
CATEGORIES: list[tuple[str, str, str | None]] = [
    ("service", "服务类", None),
    ("service.attitude", "服务态度", "service"),
    ("service.quality", "服务质效", "service"),
    ("service.rights", "侵害权益", "service"),
    ("product", "产品类", None),
    ("product.quality", "产品质量", "product"),
    ("product.price", "价格收费", "product"),
    ("product.food", "食品安全", "product"),
    ("city", "城市管理", None),
    ("city.noise", "噪声扰民", "city"),
    ("city.property", "物业管理", "city"),
    ("city.housing", "房屋质量", "city"),
    ("staff", "人员作风", None),
    ("staff.conduct", "工作人员行为", "staff"),
    ("other", "其他", None),
]


@dataclass
class DemoOrg:
    units: dict[str, Unit]
    users: dict[str, User]


@transaction.atomic
def seed_org(*, password: str, policy: str = "hotline-12345") -> DemoOrg:
    """Create (or update) the demo units, categories and users. Idempotent."""
    return _seed(UNITS, CATEGORIES, USERS, password=password, policy=policy, sort_from=0, staff=True)


def _seed(
    unit_rows: list[tuple[str, str, str, str | None, str]],
    category_rows: list[tuple[str, str, str | None]],
    user_rows: list[tuple[str, str, str, str]],
    *,
    password: str,
    policy: str,
    sort_from: int,
    staff: bool,
) -> DemoOrg:
    """One tree: its root carries ``policy``; an admin of it is staff when ``staff``.

    On a database that holds none of it (every test's, a new demo) everything is written
    with a few bulk statements — 15 queries instead of about 280, the cost of each test that
    asks for the demo organisation; otherwise row by row, updating what is there."""
    user_model = get_user_model()
    codes = [row[0] for row in unit_rows]
    usernames = [row[0] for row in user_rows]
    fresh = not (
        Unit.objects.filter(code__in=codes).exists()
        or Category.objects.filter(code__in=[row[0] for row in category_rows]).exists()
        or user_model.objects.filter(username__in=usernames).exists()
    )
    if fresh:
        return _seed_fresh(
            unit_rows,
            category_rows,
            user_rows,
            password=password,
            policy=policy,
            sort_from=sort_from,
            staff=staff,
        )
    units: dict[str, Unit] = {}
    for code, name, kind, parent, region in unit_rows:
        unit, _ = Unit.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": units.get(parent) if parent else None,
                "region": region,
                "policy": policy if parent is None else "",
            },
        )
        units[code] = unit
    cats: dict[str, Category] = {}
    for i, (code, name, parent) in enumerate(category_rows, start=sort_from):
        cats[code], _ = Category.objects.update_or_create(
            code=code, defaults={"name": name, "parent": cats.get(parent) if parent else None, "sort": i}
        )
    users: dict[str, User] = {}
    for username, display, role, unit_code in user_rows:
        user, _ = user_model.objects.get_or_create(username=username, defaults={"first_name": display})
        user.first_name = display
        if staff:
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
        user.set_password(password)
        user.save()
        Membership.objects.get_or_create(user=user, unit=units[unit_code], role=role)
        users[username] = user
    return DemoOrg(units=units, users=users)


def _seed_fresh(
    unit_rows: list[tuple[str, str, str, str | None, str]],
    category_rows: list[tuple[str, str, str | None]],
    user_rows: list[tuple[str, str, str, str]],
    *,
    password: str,
    policy: str,
    sort_from: int,
    staff: bool,
) -> DemoOrg:
    """``_seed`` on a database without any of it: parents first, level by level, so each
    row's parent has its key; the units' materialised paths as ``org.services.unit_save``
    writes them (``/root/…/self/``, depth = number of ancestors)."""
    units: dict[str, Unit] = {}
    pending = list(unit_rows)
    while pending:
        level = [row for row in pending if row[3] is None or row[3] in units]
        made = Unit.objects.bulk_create(
            [
                Unit(
                    code=code,
                    name=name,
                    kind=kind,
                    parent=units[parent] if parent else None,
                    region=region,
                    policy=policy if parent is None else "",
                )
                for code, name, kind, parent, region in level
            ]
        )
        for row, unit in zip(level, made, strict=True):
            code, parent_code = row[0], row[3]
            parent_path = units[parent_code].path if parent_code else "/"
            unit.path = f"{parent_path}{unit.pk}/"
            unit.depth = unit.path.count("/") - 2
            units[code] = unit
        Unit.objects.bulk_update(made, ["path", "depth"])
        pending = [row for row in pending if row[0] not in units]
    cats: dict[str, Category] = {}
    rows = list(enumerate(category_rows, start=sort_from))
    while rows:
        cat_level = [(i, row) for i, row in rows if row[2] is None or row[2] in cats]
        made_cats = Category.objects.bulk_create(
            [
                Category(code=code, name=name, parent=cats[parent] if parent else None, sort=i)
                for i, (code, name, parent) in cat_level
            ]
        )
        for (_i, cat_row), cat in zip(cat_level, made_cats, strict=True):
            cats[cat_row[0]] = cat
        rows = [(i, row) for i, row in rows if row[0] not in cats]
    # one hash for all: every demo user has the same (printed) password
    hashed = make_password(password)
    user_model = get_user_model()
    user_model.objects.bulk_create(
        [
            user_model(
                username=username,
                first_name=display,
                password=hashed,
                is_staff=staff and role == Role.ADMIN,
                is_superuser=staff and role == Role.ADMIN,
            )
            for username, display, role, _unit in user_rows
        ]
    )
    # read back: SQLite's bulk insert of users may not return keys on every version
    by_name = {u.username: u for u in user_model.objects.filter(username__in=[r[0] for r in user_rows])}
    Membership.objects.bulk_create(
        [
            Membership(user=by_name[username], unit=units[unit], role=role)
            for username, _d, role, unit in user_rows
        ]
    )
    users: dict[str, User] = {username: by_name[username] for username, *_ in user_rows}
    return DemoOrg(units=units, users=users)


# The telecom demo: an operator's branch whose centre takes complaints under the `telecom`
# pack, with the departments the response scripts dispatch to (knowledge demo, issue 6).
# (code, name, kind, parent code, region)
TELECOM_UNITS: list[tuple[str, str, str, str | None, str]] = [
    ("JZ-TEL", "江州通信分公司", UnitKind.CITY, None, "江州市"),
    ("JZ-TEL-C", "江州通信客户服务中心", UnitKind.CENTRE, "JZ-TEL", "江州市"),
    ("JZ-TEL-MKT", "市场经营部", UnitKind.DEPARTMENT, "JZ-TEL", "江州市"),
    ("JZ-TEL-SUP", "支撑共享中心", UnitKind.DEPARTMENT, "JZ-TEL", "江州市"),
    ("JZ-TEL-SP", "短信业务合作商(SP)", UnitKind.DEPARTMENT, "JZ-TEL", "江州市"),
    ("JZ-TEL-NET", "网络维护中心", UnitKind.DEPARTMENT, "JZ-TEL", "江州市"),
    ("JZ-TEL-DH", "东湖营业部", UnitKind.COUNTY, "JZ-TEL", "江州市东湖区"),
    ("JZ-TEL-TERM", "终端维修中心", UnitKind.DEPARTMENT, "JZ-TEL", "江州市"),
]

# (username, display name, role, unit code)
TELECOM_USERS: list[tuple[str, str, str, str]] = [
    ("telagent", "马晓雯", Role.AGENT, "JZ-TEL-C"),
    ("telcoord", "何永刚", Role.COORDINATOR, "JZ-TEL-C"),
    ("telhead", "罗建华", Role.DEPT_HEAD, "JZ-TEL-NET"),
    ("telhandler", "许婷", Role.HANDLER, "JZ-TEL-NET"),
]

# (code, name, parent code). ``fee_dispute`` is the code the telecom pack's five-month
# acceptance window names (telecom.yaml, acceptance_windows), so the demo applies it.
TELECOM_CATEGORIES: list[tuple[str, str, str | None]] = [
    ("telecom", "电信业务", None),
    ("telecom.interconnection", "互联互通", "telecom"),
    ("fee_dispute", "话费争议", "telecom"),
    ("telecom.network", "网络质量", "telecom"),
    ("telecom.service", "业务服务质量", "telecom"),
    ("telecom.terminal", "话机终端", "telecom"),
]


@transaction.atomic
def seed_telecom(*, password: str) -> DemoOrg:
    """Create (or update) the telecom branch, its categories and users. Idempotent.

    A separate tree beside the city's (``seed_org``): its root carries the ``telecom``
    pack, so tickets taken in at its centre follow that pack."""
    return _seed(
        TELECOM_UNITS,
        TELECOM_CATEGORIES,
        TELECOM_USERS,
        password=password,
        policy="telecom",
        sort_from=100,
        staff=False,
    )
