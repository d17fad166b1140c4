"""Server time of each main page of the workbench and the portal at volume.

Usage (see bench/README.md)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/pages.py [--runs 9]

Each page is requested in-process with Django's test ``Client`` (URL routing, middleware,
views, SQL and template rendering — everything the server does, no network), as the user
who works on it, once to warm up and then ``--runs`` times; the median is reported with
the number of SQL statements and the time spent in them (measured around each statement,
in fractional milliseconds: Django's query log rounds each one to a whole millisecond).
The target (issue 3) is under 200 ms per page with one million tickets.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.db import connection
from django.test import Client

from bench.hot_queries import busiest, header, user_with
from hotline.org.models import Role, UnitKind
from hotline.tickets.models import OPEN_STATUSES, Ticket

TARGET_MS = 200.0
EXPECT = {"/public/track/": 'id="progress"', "/intake/lookup/": "caller-tickets", "/work/": "<table"}


class SqlTimer:
    """The statements run inside the block and the time spent in them, each measured around
    the driver's call (``connection.execute_wrapper``) in fractional milliseconds — Django's
    own query log rounds every statement to a whole millisecond."""

    def __init__(self) -> None:
        self.count = 0
        self.ms = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - start) * 1000
            self.count += 1

    def __enter__(self) -> SqlTimer:
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._wrapper.__exit__(kind, error, tb)


def timed(
    client: Client, method: str, url: str, data: dict[str, Any] | None, runs: int, expect: str = ""
) -> tuple[float, Any]:
    def call() -> Any:
        response = client.post(url, data) if method == "POST" else client.get(url, data)
        if response.status_code not in (200, 302) or (expect and expect not in response.content.decode()):
            raise SystemExit(f"{method} {url}: HTTP {response.status_code}\n{response.content[:600]!r}")
        return response

    response = call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
    return (statistics.median(times) if times else 0.0), response


def pages() -> list[tuple[str, str, Any, str, str, dict[str, Any] | None]]:
    """(title, role, user, method, url, data) for each main page, on the busiest data.

    A page that answers 200 with something else (a form error, say) would time nothing:
    ``EXPECT`` names what must be in the answer."""
    agent, _ = user_with(Role.AGENT)
    coordinator, _ = user_with(Role.COORDINATOR, UnitKind.CENTRE)
    leader, _ = user_with(Role.LEADER)
    head_unit = busiest("unit", status__in=OPEN_STATUSES)
    head, _ = user_with_unit(Role.DEPT_HEAD, head_unit)
    handler_id = busiest("handler", status__in=OPEN_STATUSES)
    from django.contrib.auth import get_user_model

    handler = get_user_model().objects.get(pk=handler_id)
    phone = busiest("complainant_phone", confidential=False)
    open_ticket = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, unit_id=head_unit).order_by("due_at").first()
    )
    closed_ticket = Ticket.objects.filter(status="closed").order_by("-received_at").first()
    assert open_ticket is not None and closed_ticket is not None
    return [
        ("登录页 /login/", "anonymous", None, "GET", "/login/", None),
        ("受理登记 /intake/", "agent", agent, "GET", "/intake/", None),
        ("来电人查询 /intake/lookup/", "agent", agent, "GET", "/intake/lookup/", {"phone": phone}),
        ("我的工单 /work/ (承办人)", "handler", handler, "GET", "/work/", None),
        ("本单位工单 /work/?tab=unit (部门负责人)", "dept_head", head, "GET", "/work/", {"tab": "unit"}),
        ("工作台看板 /board/ (协调员)", "coordinator", coordinator, "GET", "/board/", None),
        ("审批 /approvals/ (领导)", "leader", leader, "GET", "/approvals/", None),
        ("回访 /callbacks/ (协调员)", "coordinator", coordinator, "GET", "/callbacks/", None),
        ("通知 /notifications/", "coordinator", coordinator, "GET", "/notifications/", None),
        (
            "工单页 (办理中, 协调员)",
            "coordinator",
            coordinator,
            "GET",
            f"/tickets/{open_ticket.number}/",
            None,
        ),
        (
            "工单页 (已办结, 协调员)",
            "coordinator",
            coordinator,
            "GET",
            f"/tickets/{closed_ticket.number}/",
            None,
        ),
        ("公众门户首页 /public/", "public", None, "GET", "/public/", None),
        ("公众提交 /public/submit/", "public", None, "GET", "/public/submit/", None),
        (
            "公众查询 /public/track/",
            "public",
            None,
            "POST",
            "/public/track/",
            {"number": closed_ticket.number, "code": closed_ticket.query_code},
        ),
    ]


def user_with_unit(role: str, unit_id: int) -> tuple[Any, Any]:
    from hotline.org.models import Membership, Unit

    unit = Unit.objects.get(pk=unit_id)
    m = Membership.objects.filter(role=role, unit=unit).select_related("user").order_by("pk").first()
    if m is None:
        return user_with(role)
    return m.user, unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per page (median reported)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("pages.py needs PostgreSQL: set DATABASE_URL=postgres://… (bench/README.md)")
    for line in header():
        print(line)
    print()
    print(f"| page | as | median (ms) | SQL statements | ms in SQL | under {TARGET_MS:.0f} ms |")
    print("|---|---|---:|---:|---:|---|")
    worst = 0.0
    for title, role, user, method, url, data in pages():
        client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=f"10.9.{len(title) % 250}.{len(url) % 250}")
        if user is not None:
            client.force_login(user)
        expect = EXPECT.get(url, "")
        ms, _ = timed(client, method, url, data, args.runs, expect)
        with SqlTimer() as sql:
            timed(client, method, url, data, 0, expect)
        worst = max(worst, ms)
        ok = "yes" if ms < TARGET_MS else "**no**"
        print(f"| {title} | {role} | {ms:.1f} | {sql.count} | {sql.ms:.2f} | {ok} |")
    print(f"\nslowest page: {worst:.1f} ms")


if __name__ == "__main__":
    main()
