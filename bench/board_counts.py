"""The board and approvals at ~30,000 open tickets: before and after the counts (ADR 0026).

Usage (see bench/README.md, "The board and approvals at 30,000 open tickets")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hl_board \\
        nice -n 10 python bench/board_counts.py [--runs 15] [--pending 10000] [--write-cost 5000] \\
        [--without-new-indexes]

Each selector is called in-process (``hotline.web.selectors.board`` / ``approvals``: SQL
and Python, no template, no HTTP) for each user, as a new request would (a fresh user
object: the per-request scope caches are empty), the old and the new code alternately, so
both see the same machine load; the median of ``--runs`` calls is reported, wall clock and
the process's CPU time (the machine is shared). "Before" is the code of commit 456ef1f,
copied below (``board_before``, ``approvals_before``): a grouped count over the user's open
tickets and one query per list with its joins. Both run on the same schema — the indexes
of migration 0010 included, which the old code may use too; ``--without-new-indexes`` also
times the old code with those indexes dropped inside a transaction that is rolled back
(as it ran before the migration; this locks ``tickets_ticket`` for the run: use a copy).

The script checks that old and new agree (counts by stage, the urgent list, the approval
sections) before timing anything. ``--pending N`` times both again with N deltas not yet
folded, then a fold of them; ``--write-cost N`` times an ``UPDATE`` of N open tickets with
the triggers and without (everything it writes is rolled back).
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from bench.hot_queries import busiest, header, user_with
from hotline.org.models import Membership, Role, UnitKind
from hotline.policies.registry import all_packs
from hotline.tickets.models import (
    OPEN_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    OpenCount,
    OpenCountDelta,
    OpenCountFold,
    Status,
    Ticket,
)
from hotline.web import selectors
from hotline.web.selectors import Board, Row, Section, StageCount, roles_of, stage_choices, stage_label
from hotline.workflow.selectors import DUE_SOON, due_mark, open_tickets, overdue_q, stage_counts

GOAL_MS = 50.0
NEW_INDEXES = ("ticket_open_stage", "ticket_open_registered", "extension_pending")


# --- the code as it was (commit 456ef1f) --------------------------------------------------


def board_before(user: Any, *, now: Any) -> Board:
    qs = open_tickets(user)
    soon = now + DUE_SOON
    running = Q(status=Status.OPEN)
    grouped = stage_counts(qs, now=now)
    by_stage: dict[tuple[str, str], StageCount] = {}
    order = {code: i for i, (code, _) in enumerate(stage_choices())}
    for g in grouped:
        label = stage_label(Ticket(policy=g["policy"], type=g["type"], stage=g["stage"]))
        count = by_stage.setdefault((g["stage"], label), StageCount(code=g["stage"], label=label))
        count.total += g["total"]
        count.overdue += g["overdue"]
        count.due_soon += g["due_soon"]
        count.suspended += g["suspended"]
    stages = sorted(by_stage.values(), key=lambda s: (order.get(s.code, len(order)), s.code, s.label))
    urgent = selectors._page(qs.filter(running, due_at__lt=soon), page=1, now=now)
    return Board(
        stages=stages,
        urgent=urgent,
        total=sum(s.total for s in stages),
        overdue=sum(s.overdue for s in stages),
        due_soon=sum(s.due_soon for s in stages),
    )


def _stages_offering_before(user: Any, action: str) -> Q | None:
    roles = roles_of(user)
    terms: dict[tuple[str, str], list[str]] = {}
    for pack in all_packs():
        for type_code, policy in pack.types.items():
            for stage in policy.stages.values():
                rule = stage.actions.get(action)
                if rule is not None and rule.allows(roles):
                    terms.setdefault((pack.code, stage.code), []).append(type_code)
    if not terms:
        return None
    q = Q(pk__in=[])
    for (pack_code, stage_code), types in terms.items():
        q |= Q(policy=pack_code, stage=stage_code, type__in=types)
    return q


def approvals_before(user: Any, *, now: Any, size: int = selectors.PAGE_SIZE) -> list[Section]:
    base = open_tickets(user).filter(status=Status.OPEN)
    sections = [
        Section("extension", gettext("延期审批"), "approve_extension"),
        Section("reject", gettext("不予受理审核"), "reject"),
        Section("supervise", pgettext("approvals", "督办"), "supervise"),
    ]
    pending = ExtensionRequest.objects.filter(ticket=OuterRef("pk"), status=ExtensionStatus.PENDING)
    for section in sections:
        where = _stages_offering_before(user, section.action)
        if where is None:
            continue
        qs = base.filter(where)
        if section.key == "extension":
            qs = qs.filter(Exists(pending))
        elif section.key == "supervise":
            qs = qs.filter(overdue_q(now), supervised=False)
        tickets = list(qs[: size + 1])
        section.rows = [
            Row(ticket=t, mark=due_mark(t, now), stage_label=stage_label(t))
            for t in tickets[:size]
            if selectors._rule_allows(user, t, section.action)
        ]
        section.has_more = len(tickets) > size
        if section.key == "extension":
            selectors._note_requests(section.rows)
    return sections


# --- the code as it is -------------------------------------------------------------------


def board_after(user: Any, *, now: Any) -> Board:
    return selectors.board(user, unit=None, page=1, now=now)


def approvals_after(user: Any, *, now: Any) -> list[Section]:
    return selectors.approvals(user, now=now)


# --- measuring ---------------------------------------------------------------------------


def fresh(user: Any) -> Any:
    """The user as a new request has them: no scope cached on the object yet."""
    return get_user_model().objects.get(pk=user.pk)


def same_board(old: Board, new: Board) -> bool:
    def stages(board: Board) -> list[tuple[Any, ...]]:
        return [(s.code, s.label, s.total, s.overdue, s.due_soon, s.suspended) for s in board.stages]

    def urgent(board: Board) -> list[int]:
        return [row.ticket.pk for row in board.urgent.rows]

    return stages(old) == stages(new) and urgent(old) == urgent(new)


def same_sections(old: list[Section], new: list[Section]) -> bool:
    def shown(sections: list[Section]) -> list[tuple[str, list[int], bool]]:
        return [(s.key, [row.ticket.pk for row in s.rows], s.has_more) for s in sections]

    return shown(old) == shown(new)


def timed(call: Callable[[], Any]) -> tuple[float, float, int, float]:
    """(wall ms, CPU ms, SQL statements, ms in SQL as Django sees it) of one call."""
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sql = sum(float(q["time"]) for q in queries.captured_queries)
    return wall * 1000, cpu * 1000, len(queries.captured_queries), sql * 1000


def interleaved(
    before: Callable[[], Any], after: Callable[[], Any], runs: int
) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    before(), after()  # warm up: plans, packs, connection
    old: list[tuple[float, ...]] = []
    new: list[tuple[float, ...]] = []
    for i in range(runs):  # alternate which goes first
        pair = [(old, before), (new, after)] if i % 2 == 0 else [(new, after), (old, before)]
        for into, call in pair:
            into.append(timed(call))
    return old, new


def medians(samples: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(s[i] for s in samples) for i in range(4))


def readers() -> list[tuple[str, Any]]:
    coordinator, _ = user_with(Role.COORDINATOR, UnitKind.CENTRE)
    leader, _ = user_with(Role.LEADER)
    head_unit = busiest("unit", status__in=OPEN_STATUSES, unit__kind=UnitKind.DEPARTMENT)
    head = Membership.objects.filter(role=Role.DEPT_HEAD, unit_id=head_unit).select_related("user").first()
    found = [("协调员 coordinator (centre)", coordinator), ("领导 leader (city)", leader)]
    if head is not None:
        found.append((f"部门负责人 dept head ({head.unit.code})", head.user))
    return found


def with_pending(n: int) -> None:
    """``n`` delta rows not yet folded, netting to zero (±1 pairs on existing keys): what a
    minute of intake leaves between two folds. The caller rolls them back."""
    key = 'unit_id, owner_unit_id, policy, "type", stage, status, due_hour'
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO tickets_opencountdelta ({key}, n)"
            f" SELECT {key}, sign FROM ("
            f"   SELECT {key} FROM tickets_opencount CROSS JOIN generate_series(1, %s) AS again LIMIT %s"
            " ) AS k CROSS JOIN (VALUES (1), (-1)) AS signs (sign)",
            [n // 2 // max(OpenCount.objects.count(), 1) + 1, n // 2],
        )
        cursor.execute("ANALYZE tickets_opencountdelta")


def fold_cost(n: int) -> str:
    """A fold of ``n`` pending deltas (inside the caller's transaction, rolled back)."""
    from hotline.workflow.counts import fold

    with_pending(n)
    wall = time.perf_counter()
    folded = fold()
    return f"fold of {folded:,} pending deltas: {(time.perf_counter() - wall) * 1000:.1f} ms"


def write_cost(n: int, runs: int) -> str:
    """What the triggers add to a write: ``UPDATE`` of ``n`` open tickets' deadlines by an
    hour (each row a −1 and a +1), with the triggers and with them disabled, medians of
    ``runs`` (each rolled back)."""
    sql = (
        "UPDATE tickets_ticket SET due_at = due_at + interval '1 hour' WHERE id IN"
        " (SELECT id FROM tickets_ticket WHERE status = 'open' ORDER BY id LIMIT %s)"
    )
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(runs * 2):
        on = i % 2 == 0
        with transaction.atomic(), connection.cursor() as cursor:
            if not on:
                for name in ("insert", "update", "delete"):
                    cursor.execute(f"ALTER TABLE tickets_ticket DISABLE TRIGGER tickets_open_count_{name}")
            wall = time.perf_counter()
            cursor.execute(sql, [n])
            times[on].append((time.perf_counter() - wall) * 1000)
            transaction.set_rollback(True)
    with_, without = statistics.median(times[True]), statistics.median(times[False])
    return (
        f"UPDATE of {n:,} open tickets' due_at: {with_:.1f} ms with the triggers, {without:.1f} ms without"
        f" ({(with_ - without) / n * 1000:.1f} µs a row)"
    )


def run_after_before(runs: int) -> list[str]:
    lines = [
        "| page | as | before: wall / CPU ms | after: wall / CPU ms | SQL statements before → after"
        " | ms in SQL before → after | ≤ 50 ms |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for title, user in readers():
        for page, before, after, same in (
            ("board", board_before, board_after, same_board),
            ("approvals", approvals_before, approvals_after, same_sections),
        ):
            now = timezone.now()
            if not same(before(fresh(user), now=now), after(fresh(user), now=now)):
                raise SystemExit(f"{page} for {title}: the old and the new code disagree")
            old, new = interleaved(
                lambda b=before, u=user, n=now: b(fresh(u), now=n),
                lambda a=after, u=user, n=now: a(fresh(u), now=n),
                runs,
            )
            (ow, oc, oq, osql), (nw, nc, nq, nsql) = medians(old), medians(new)
            ok = "yes" if nw <= GOAL_MS else "**no**"
            lines.append(
                f"| {page} | {title} | {ow:.1f} / {oc:.1f} | {nw:.1f} / {nc:.1f} | {oq:.0f} → {nq:.0f}"
                f" | {osql:.1f} → {nsql:.1f} | {ok} |"
            )
    return lines


def run_without_indexes(runs: int) -> list[str]:
    """The old code as it ran before migration 0010: its indexes dropped, then rolled back."""
    lines = ["| page | as | before, without 0010's indexes: wall / CPU ms |", "|---|---|---:|"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in NEW_INDEXES:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for title, user in readers():
            for page, before in (("board", board_before), ("approvals", approvals_before)):
                now = timezone.now()
                before(fresh(user), now=now)
                samples = [timed(lambda b=before, u=user, n=now: b(fresh(u), now=n)) for _ in range(runs)]
                wall, cpu, _, _ = medians(samples)
                lines.append(f"| {page} | {title} | {wall:.1f} / {cpu:.1f} |")
        transaction.set_rollback(True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed calls of each, interleaved")
    parser.add_argument(
        "--without-new-indexes", action="store_true", help="also time the old code without 0010's indexes"
    )
    parser.add_argument(
        "--pending", type=int, default=0, help="also time with this many deltas not yet folded (rolled back)"
    )
    parser.add_argument(
        "--write-cost", type=int, default=0, help="also time an UPDATE of this many open tickets"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("board_counts.py needs PostgreSQL: set DATABASE_URL=postgres://… (bench/README.md)")
    for line in header():
        print(line)
    state = OpenCountFold.objects.filter(pk=1).first()
    print(
        f"counts: {OpenCount.objects.count():,} rows · pending deltas: {OpenCountDelta.objects.count():,}"
        f" · horizon: {state.horizon if state else '-'} · open overdue:"
        f" {Ticket.objects.filter(overdue_q(timezone.now())).count():,}"
    )
    print()
    for line in run_after_before(args.runs):
        print(line)
    if args.pending:
        print(f"\nwith {args.pending:,} deltas pending (not yet folded):\n")
        with transaction.atomic():
            with_pending(args.pending)
            for line in run_after_before(args.runs):
                print(line)
            transaction.set_rollback(True)
        with transaction.atomic():
            print("\n" + fold_cost(args.pending))
            transaction.set_rollback(True)
    if args.write_cost:
        print(write_cost(args.write_cost, 5))
    if args.without_new_indexes:
        print()
        for line in run_without_indexes(args.runs):
            print(line)


if __name__ == "__main__":
    main()
