"""Load django-helpdesk with as many tickets as Hotline's bench database, through its own models.

Run in the peer's environment, from anywhere::

    nice -n 10 bench/peer/.venv/bin/python bench/peer/load.py --tickets 1000000   # PEER_DB=hl_peer
    PEER_DB=hl_peer_small bench/peer/.venv/bin/python bench/peer/load.py --tickets 10000
    bench/peer/.venv/bin/python bench/peer/load.py --user-only --password …        # the bench login

What it writes, with ``bulk_create`` in batches (one transaction per batch), the way helpdesk
itself would have written the rows over three years:

* ``--queues`` queues (default 34, Hotline's generated units) and ``--staff`` staff users
  (default 125, Hotline's generated users), a few per queue; users through ``create_user``
  so helpdesk's signal gives each its ``UserSettings``;
* ``--tickets`` tickets with receipt times over the last ``--years`` years (volume growing
  25 % a year, daytime hours), ids in time order; a skewed queue, a priority, a due date for
  60 %, an assignee for 95 % (70 % of open ones) from the queue's staff;
* status as Hotline's generated data: ``--open-share`` (0.4 %) open — the last days' intake
  plus a stalled backlog, 10 % of those on hold, 5 % reopened — the rest closed (2 %
  duplicates), with a resolved-not-yet-closed band among the newest;
* the history helpdesk's own views write (``forms.TicketForm.save`` and
  ``update_ticket``): "Ticket Opened [& Assigned to …]" with the description; 0–3 comments
  (public replies and private notes, mean 1.5); for 20 % a reassignment "Assigned to …"
  with its ``TicketChange`` (Owner); then "Resolved" with the resolution and "Closed", each
  with its ``TicketChange`` (Status). A closed ticket has 4.7 follow-ups and 2.2 changes on
  average: ≈ 6.9 history rows, as Hotline's ≈ 7 events per ticket.

``created``/``modified`` are ``auto_now_add``/``auto_now`` fields: the loader switches those
two flags off on the model fields for its own process so the historical times are kept.
It ends with ``VACUUM (ANALYZE)`` of the tables it filled, as ``hotline generate`` does.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket, TicketChange  # noqa: E402

User = get_user_model()
LOCAL = ZoneInfo("Asia/Shanghai")
OPEN, REOPENED, RESOLVED, CLOSED, DUPLICATE = 1, 2, 3, 4, 5
STATUS_LABEL = {
    OPEN: "Open",
    REOPENED: "Reopened",
    RESOLVED: "Resolved",
    CLOSED: "Closed",
    DUPLICATE: "Duplicate",
}
SUBJECTS = (
    "电饭煲无法加热,要求退货",
    "小区夜间施工噪音扰民",
    "超市价格标示不清",
    "快递丢件,商家拒绝赔偿",
    "物业费收费争议",
    "路灯不亮,夜间出行不便",
    "餐馆后厨卫生状况差",
    "培训机构拒绝退费",
    "网购商品与描述不符",
    "供暖温度不达标",
    "公交车到站不停",
    "装修公司延期交房",
    "药店销售过期药品",
    "健身房倒闭无法退卡",
    "二手车隐瞒事故",
)
SENTENCES = (
    "来电人反映情况属实,要求尽快处理。",
    "已多次与商家沟通,对方态度敷衍。",
    "业主同意配合调查,提供了相关票据。",
    "工作人员在工作日上门核实。",
    "来电人希望得到书面答复。",
    "涉及金额约三百元,要求全额退款。",
    "该问题已持续两周,影响正常生活。",
)
RESOLUTIONS = (
    "经核实,商家同意退货退款,来电人表示满意。",
    "已责令施工单位调整作业时间,夜间停止施工。",
    "已约谈经营者,责令限期整改,并告知来电人处理结果。",
    "经调解双方达成一致,按协议办理。",
    "不属于本部门职责,已告知来电人向有关部门反映。",
)
REPLIES = (
    "已联系来电人,了解具体情况。",
    "已转相关科室核查,待反馈。",
    "已联系商家,商家同意协商。",
    "现场核查中,预计三个工作日内答复。",
)
NOTES = ("内部备注:需法制科意见。", "内部备注:同类投诉较多,建议集中处理。", "内部备注:已电话催办。")


def times(n: int, years: int, now: datetime, rng: random.Random) -> list[datetime]:
    """``n`` sorted receipt times over the last ``years`` years, volume growing 25 % a year
    (inverse of the exponential CDF), at daytime hours (8–20 h local) for 90 %."""
    g = 1.25
    start = now - timedelta(days=365 * years)
    span = 1.25**years - 1
    out = []
    for _ in range(n):
        t_years = math.log(1 + rng.random() * span) / math.log(g)
        moment = (start + timedelta(days=t_years * 365)).astimezone(LOCAL)
        if rng.random() < 0.9:
            moment = moment.replace(
                hour=rng.randrange(8, 20), minute=rng.randrange(60), second=rng.randrange(60)
            )
        out.append(min(moment, now - timedelta(minutes=5)))
    out.sort()
    return out


def statuses(n: int, open_share: float, rng: random.Random) -> list[int]:
    """Status per ticket index (oldest first): 60 % of the open tickets among the newest
    (every other one of the last 1.2 × that many), 40 % a backlog spread over the years."""
    result = [CLOSED] * n
    n_open = round(n * open_share)
    recent = round(n_open * 0.6)
    window = min(n, 2 * recent)
    newest = list(range(n - window, n))
    chosen = set(rng.sample(newest, min(recent, len(newest))))
    older = range(0, max(n - window, 1))
    while len(chosen) < n_open:
        chosen.add(rng.choice(older))
    for i in chosen:
        result[i] = REOPENED if rng.random() < 0.05 else OPEN
    # resolved, awaiting closure: a fifth of the closed among the newest 1 %
    for i in range(max(0, n - max(1, n // 100)), n):
        if result[i] == CLOSED and rng.random() < 0.2:
            result[i] = RESOLVED
    for i in range(n):
        if result[i] == CLOSED and rng.random() < 0.02:
            result[i] = DUPLICATE
    return result


def ensure_bench_user(username: str, password: str) -> None:
    """The staff user the side-by-side driver logs in as (staff: sees every queue)."""
    user, _ = User.objects.get_or_create(
        username=username, defaults={"is_staff": True, "email": f"{username}@example.test"}
    )
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    print(f"bench user {username!r}: staff, password set")


def ensure_org(n_queues: int, n_staff: int) -> tuple[list[Queue], dict[int, list]]:
    """Queues and staff users (created once; a second run reuses them)."""
    queues = list(Queue.objects.order_by("pk"))
    for i in range(len(queues), n_queues):
        queues.append(
            Queue.objects.create(
                title=f"承办部门 {i + 1:02d}", slug=f"dept-{i + 1:02d}", allow_public_submission=False
            )
        )
    staff = list(User.objects.filter(username__startswith="staff-").order_by("pk"))
    for i in range(len(staff), n_staff):
        staff.append(
            User.objects.create_user(
                f"staff-{i + 1:03d}", email=f"staff-{i + 1:03d}@example.test", is_staff=True
            )
        )
    by_queue: dict[int, list] = {q.pk: [] for q in queues}
    for i, user in enumerate(staff):
        by_queue[queues[i % len(queues)].pk].append(user)
    return queues, by_queue


def one_ticket(i, created, status, now, rng, queues, queue_weights, by_queue, everyone):
    """One ticket, its follow-ups (oldest first) and its changes (index into the follow-ups)."""
    queue = rng.choices(queues, queue_weights)[0]
    staff = by_queue[queue.pk] or everyone
    is_open = status in (OPEN, REOPENED)
    assignee = rng.choice(staff) if rng.random() < (0.7 if is_open else 0.95) else None
    opener = rng.choice(everyone)
    description = "".join(rng.choices(SENTENCES, k=rng.randint(2, 6)))
    ticket = Ticket(
        title=f"{rng.choice(SUBJECTS)}({i + 1})",
        queue=queue,
        created=created,
        submitter_email=f"caller{rng.randrange(10**7)}@example.test",
        assigned_to=assignee,
        status=status,
        on_hold=is_open and rng.random() < 0.10,
        description=description,
        resolution=None if is_open else rng.choice(RESOLUTIONS),
        priority=rng.choices((1, 2, 3, 4, 5), (2, 8, 70, 15, 5))[0],
        due_date=created + timedelta(days=rng.randint(3, 15)) if rng.random() < 0.6 else None,
    )
    comments = rng.choices((0, 1, 2, 3), (0.2, 0.3, 0.3, 0.2))[0]  # mean 1.5
    end = created + timedelta(hours=rng.uniform(2, 24 * 15))  # resolved within 15 days
    if is_open:
        end = min(end, now - timedelta(minutes=1))
    gap = (end - created) / (comments + 3)
    moments = iter(created + gap * (k + 1) for k in range(comments + 3))
    holder = assignee or opener
    title = f"Ticket Opened & Assigned to {assignee.get_username()}" if assignee else "Ticket Opened"
    history = [
        FollowUp(ticket=ticket, date=created, title=title, comment=description, public=True, user=opener)
    ]
    changes: list[tuple[int, str, str, str]] = []
    if assignee is not None and not is_open and rng.random() < 0.2:
        other = rng.choice(everyone)
        history.append(
            FollowUp(
                ticket=ticket, date=next(moments), title=f"Assigned to {other.get_username()}", user=holder
            )
        )
        changes.append((len(history) - 1, "Owner", assignee.get_username(), other.get_username()))
    for _ in range(comments):
        public = rng.random() < 0.6
        text = rng.choice(REPLIES) if public else rng.choice(NOTES)
        history.append(
            FollowUp(
                ticket=ticket, date=next(moments), title="Comment", comment=text, public=public, user=holder
            )
        )
    if status == REOPENED:
        history.append(
            FollowUp(
                ticket=ticket,
                date=next(moments),
                title="Reopened",
                comment="来电人再次来电,问题未解决。",
                public=True,
                new_status=REOPENED,
                user=holder,
            )
        )
        changes.append((len(history) - 1, "Status", "Resolved", "Reopened"))
    if status in (RESOLVED, CLOSED, DUPLICATE):
        history.append(
            FollowUp(
                ticket=ticket,
                date=next(moments),
                title="Resolved",
                comment=ticket.resolution,
                public=True,
                new_status=RESOLVED,
                user=holder,
            )
        )
        changes.append((len(history) - 1, "Status", "Open", "Resolved"))
    if status in (CLOSED, DUPLICATE):
        label = STATUS_LABEL[status]
        history.append(
            FollowUp(
                ticket=ticket, date=next(moments), title=label, public=False, new_status=status, user=holder
            )
        )
        changes.append((len(history) - 1, "Status", "Resolved", label))
    ticket.modified = history[-1].date
    return ticket, history, changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--queues", type=int, default=34)
    parser.add_argument("--staff", type=int, default=125)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--open-share", type=float, default=0.004)
    parser.add_argument("--batch", type=int, default=5000, help="tickets per transaction")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--user-only", action="store_true", help="only (re)create the bench login")
    parser.add_argument("--username", default="peer-bench")
    parser.add_argument("--password", default=os.environ.get("PEER_BENCH_PASSWORD", ""))
    args = parser.parse_args()

    if args.password:
        ensure_bench_user(args.username, args.password)
    if args.user_only:
        return

    started = time.monotonic()
    rng = random.Random(args.seed)
    queues, by_queue = ensure_org(args.queues, args.staff)
    everyone = [u for users in by_queue.values() for u in users]
    queue_weights = [1 / (i + 1) ** 0.8 for i in range(len(queues))]  # a few busy departments
    now = timezone.now()
    received = times(args.tickets, args.years, now, rng)
    status_of = statuses(args.tickets, args.open_share, rng)
    print(f"{len(queues)} queues, {len(everyone)} staff; {args.tickets:,} tickets to write", flush=True)

    # keep the historical times (bulk_create calls pre_save(add=True) on each field)
    Ticket._meta.get_field("created").auto_now_add = False
    Ticket._meta.get_field("modified").auto_now = False

    n_followups = n_changes = 0
    for first in range(0, args.tickets, args.batch):
        last = min(first + args.batch, args.tickets)
        tickets: list[Ticket] = []
        followups: list[FollowUp] = []
        changes: list[tuple[int, str, str, str]] = []  # (index in followups, field, old, new)
        for i in range(first, last):
            ticket, history, ticket_changes = one_ticket(
                i, received[i], status_of[i], now, rng, queues, queue_weights, by_queue, everyone
            )
            tickets.append(ticket)
            changes.extend((len(followups) + k, f, o, n) for k, f, o, n in ticket_changes)
            followups.extend(history)
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            FollowUp.objects.bulk_create(followups)  # ticket_id taken from the saved tickets
            TicketChange.objects.bulk_create(
                [
                    TicketChange(followup=followups[k], field=f, old_value=o, new_value=n)
                    for k, f, o, n in changes
                ]
            )
        n_followups += len(followups)
        n_changes += len(changes)
        if (last // args.batch) % 10 == 0 or last == args.tickets:
            elapsed = time.monotonic() - started
            print(
                f"{last:>10,}/{args.tickets:,} tickets · {n_followups:,} follow-ups · {n_changes:,} changes "
                f"{elapsed:7.1f} s · {last / elapsed:,.0f} tickets/s",
                flush=True,
            )

    loaded = time.monotonic() - started
    connection.close()
    with connection.cursor() as cursor:
        for table in ("helpdesk_ticket", "helpdesk_followup", "helpdesk_ticketchange"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")
    total = time.monotonic() - started
    print(
        f"done: {args.tickets:,} tickets, {n_followups:,} follow-ups, {n_changes:,} changes; "
        f"load {loaded:.1f} s, with VACUUM (ANALYZE) {total:.1f} s; seed {args.seed}",
        flush=True,
    )


if __name__ == "__main__":
    main()
