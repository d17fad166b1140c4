"""The board's open-ticket counts (ADR 0026) equal a direct count over the tickets.

Whatever wrote the tickets — the core's registration and transitions, ``generate``'s bulk
load, a queryset ``update()``, a ``bulk_create`` and a delete — and however the folds fell
in between, ``open_counts`` gives for every scope and every moment (on an hour's edge, a
microsecond either side, a deadline exactly) what ``stage_counts`` counts from the tickets.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.utils import timezone

from hotline.core.errors import HotlineError
from hotline.demo.journey import action_params
from hotline.demo.volume import generate
from hotline.org.models import Membership, Role
from hotline.tickets.models import (
    OPEN_STATUSES,
    OpenCount,
    OpenCountDelta,
    OpenCountFold,
    Status,
    Ticket,
)
from hotline.web import selectors
from hotline.workflow.access import units_under
from hotline.workflow.counts import DUE_PAST, HOUR, due_hour, fold, hour_start, open_counts, rebuild
from hotline.workflow.selectors import DUE_SOON, open_tickets, stage_counts
from hotline.workflow.services import allowed_actions, ticket_transition
from tests.factories import MembershipFactory, UserFactory, register

# who the counts are read for: every kind of scope
READERS = ["admin", "coordinator", "county", "leader", "head", "handler", "agent", "teamlead"]
STAFF = ["agent", "coordinator", "county", "leader", "teamlead", "head", "handler", "head2", "handler2"]
DEPARTMENTS = {"JZ-DH-SJ": "handler", "JZ-XS-ZJ": "handler2", "JZ-DH-CG": "handler3", "JZ-SJ": "handler"}
TYPES = ["complaint", "report", "consultation", "suggestion", "help"]
ENDINGS = {"reject", "close", "return_visit"}
PACKS = ["enterprise", "hotline-12345"]  # the second suspends and extends
US = timedelta(microseconds=1)


@pytest.fixture
def people(org: Any, users: dict[str, Any]) -> dict[str, Any]:
    """The demo users and a county coordinator (JZ-DH), who registers and dispatches too."""
    county = UserFactory(username="county")
    MembershipFactory(user=county, unit=org.units["JZ-DH"], role=Role.COORDINATOR)
    return {**users, "county": county}


def fresh(name: str) -> Any:
    """The user as a new request sees them (scope caches live on the user object)."""
    return get_user_model().objects.get(username=name)


def rows(counts: list[Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (c["policy"], c["type"], c["stage"], c["total"], c["overdue"], c["due_soon"], c["suspended"])
        for c in counts
    )


def direct(name: str, now: datetime, units: list[int] | None) -> list[tuple[Any, ...]]:
    qs = open_tickets(fresh(name))
    if units is not None:
        qs = qs.filter(unit_id__in=units)
    return rows(stage_counts(qs, now=now))


def horizon() -> int:
    state = OpenCountFold.objects.filter(pk=1).first()
    return state.horizon if state is not None else 0


def assert_exact(org: Any, nows: list[datetime], readers: list[str] = READERS) -> int:
    """Every reader, at every ``now``, whole scope and narrowed to 东湖区: the counts equal
    the direct count, and come from the counts whenever ``now`` is not before the horizon.
    Returns how many reads came from the counts."""
    county = units_under([org.units["JZ-DH"]])
    from_counts = 0
    for name in readers:
        for now in nows:
            for units in (None, county):
                got, used = open_counts(fresh(name), now=now, units=units)
                assert rows(got) == direct(name, now, units), (name, now, units)
                if due_hour(now) >= horizon():
                    assert used, (name, now, "read the tickets though the counts hold this moment")
                from_counts += used
    return from_counts


def edges(clock: datetime, rng: random.Random) -> list[datetime]:
    """Moments that straddle what the counts split on: the hour ``now`` is in, the hour
    ``now + DUE_SOON`` is in, and deadlines themselves, a microsecond either side."""
    hour = hour_start(due_hour(clock))
    nows = [clock, hour, hour - US, hour + US, hour + HOUR - DUE_SOON, hour + HOUR - DUE_SOON - US]
    open_due = list(
        Ticket.objects.filter(status=Status.OPEN, due_at__isnull=False).values_list("due_at", flat=True)
    )
    for due in rng.sample(open_due, min(4, len(open_due))):
        nows += [due, due - US, due + US, due - DUE_SOON, due - DUE_SOON + US, due - timedelta(hours=2)]
    nows += [clock + timedelta(days=2), clock - timedelta(days=3)]
    return nows


def step(rng: random.Random, people: dict[str, Any], clock: datetime) -> None:
    """One thing a working day brings: a registration or an action someone may take."""
    open_ids = list(
        Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("pk").values_list("pk", flat=True)
    )
    if not open_ids or rng.random() < 0.2:
        agent = people[rng.choice(["agent", "agent", "county", "coordinator"])]
        register(agent, now=clock, type=rng.choice(TYPES), policy=rng.choice(PACKS))
        return
    ticket = Ticket.objects.select_related("unit").get(pk=rng.choice(open_ids))
    options = [
        (action, name)
        for name in STAFF
        for action in allowed_actions(ticket, people[name])
        if action != "unmask"
    ]
    if not options:
        return
    # each action as likely as another (not each person): suspensions and extensions too
    actions = sorted({a for a, _ in options})
    action = rng.choice(actions)
    if action in ENDINGS and rng.random() < 0.7:  # mostly onwards: deeper stages, fewer closed
        action = rng.choice(actions)
    name = rng.choice([n for a, n in options if a == action])
    unit = rng.choice(list(DEPARTMENTS))
    handler = DEPARTMENTS.get(ticket.unit.code, "handler")
    params = action_params(action, ticket, handler=handler, unit=unit, rng=rng)
    try:
        ticket_transition(ticket=ticket, action=action, actor=people[name], params=params, now=clock)
    except HotlineError:  # a guard refused it (a cap, no change): the day goes on
        pass


def bulk(rng: random.Random, org: Any, people: dict[str, Any], clock: datetime) -> None:
    """Writes that bypass the core: the triggers count them all the same."""
    open_ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    some = rng.sample(open_ids, min(8, len(open_ids)))
    # deadlines recomputed in bulk (a calendar change), across hour edges
    shift = timedelta(minutes=rng.randint(-300, 300))
    Ticket.objects.filter(pk__in=some[:4]).update(due_at=F("due_at") + shift)
    # moved to another unit, assigned to the head there (the head's scope: handler_id = me)
    Ticket.objects.filter(pk__in=some[4:6]).update(unit=org.units["JZ-XS-ZJ"], handler=people["head"])
    # closed by a script
    Ticket.objects.filter(pk__in=some[6:]).update(status=Status.CLOSED, stage="closed")
    # inserted without the core, then half of them deleted (no history: nothing protects them)
    template = Ticket.objects.get(pk=rng.choice(open_ids))
    copies = []
    for i in range(4):
        copy = Ticket(**{f.attname: getattr(template, f.attname) for f in Ticket._meta.concrete_fields})
        copy.pk = None
        copy.number = f"BULK{clock:%m%d%H%M}{i}"
        copy.due_at = clock + timedelta(minutes=rng.randint(-600, 600))
        copy.status = rng.choice([Status.OPEN, Status.SUSPENDED, Status.CLOSED])
        copies.append(copy)
    made = Ticket.objects.bulk_create(copies)
    Ticket.objects.filter(pk__in=[t.pk for t in made[:2]]).delete()
    # the generator's bulk load (COPY on PostgreSQL, bulk_create on SQLite)
    generate(tickets=40, seed=rng.randrange(1000), years=0.02, history="minimal", now=clock)


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_equal_a_direct_count_after_random_work(org, people, seed):
    rng = random.Random(seed)
    clock = timezone.now().replace(microsecond=0) - timedelta(days=12)
    for i in range(120):
        clock += timedelta(minutes=rng.randint(5, 150))
        step(rng, people, clock)
        if rng.random() < 0.15:
            fold(now=clock)
        if i == 60:
            assert assert_exact(org, [clock, clock + timedelta(hours=5)]) > 0
    bulk(rng, org, people, clock)
    # a registrar who moved: what they took in at 东湖区 is theirs outside their new units
    Membership.objects.filter(user=people["county"]).update(unit=org.units["JZ-XS"])
    for _ in range(40):
        clock += timedelta(minutes=rng.randint(5, 150))
        step(rng, people, clock)
        if rng.random() < 0.3:
            fold(now=clock)
    assert Ticket.objects.filter(status__in=OPEN_STATUSES).exists()
    assert assert_exact(org, edges(clock, rng)) > 0
    fold(now=clock)
    assert not OpenCountDelta.objects.exists()
    assert assert_exact(org, edges(clock, rng)) > 0
    folded = sorted(OpenCount.objects.values_list("unit_id", "stage", "status", "n"))
    # counting afresh gives the same (hours unmerged: the horizon starts again)
    assert rebuild() == Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    assert horizon() == 0 and not OpenCountDelta.objects.exists()
    assert assert_exact(org, edges(clock, rng)[:6]) > 0
    fold(now=clock)
    assert sorted(OpenCount.objects.values_list("unit_id", "stage", "status", "n")) == folded


def test_a_registration_appends_a_delta_and_updates_no_count(people):
    register(people["agent"])
    fold()
    before = list(OpenCount.objects.values_list("pk", "n"))
    register(people["agent"])
    # no row every registration would lock: the counts are untouched until the fold
    assert list(OpenCount.objects.values_list("pk", "n")) == before
    assert list(OpenCountDelta.objects.values_list("n", flat=True)) == [1]
    assert fold() == 1
    assert not OpenCountDelta.objects.exists()
    assert sum(OpenCount.objects.values_list("n", flat=True)) == 2


def test_a_change_that_keeps_the_key_appends_nothing(people):
    ticket = register(people["agent"])
    fold()
    Ticket.objects.filter(pk=ticket.pk).update(subject="改了标题", supervised=True)
    # a deadline moved within its hour keeps the key too
    hour = hour_start(due_hour(ticket.due_at))
    Ticket.objects.filter(pk=ticket.pk).update(due_at=hour + timedelta(minutes=1))
    Ticket.objects.filter(pk=ticket.pk).update(due_at=hour + timedelta(minutes=59))
    assert not OpenCountDelta.objects.exists()


def test_the_fold_merges_old_hours_and_an_earlier_moment_reads_the_tickets(org, people):
    now = timezone.now()
    for days in (9, 7, 5):  # long overdue, each in its own hour
        register(people["agent"], now=now - timedelta(days=days))
    fold(now=now)
    counted = OpenCount.objects.filter(status=Status.OPEN)
    assert counted.filter(due_hour=DUE_PAST).exists()
    assert not counted.filter(due_hour__gt=DUE_PAST, due_hour__lt=due_hour(now - timedelta(days=1))).exists()
    assert horizon() == due_hour(now - timedelta(days=1))
    got, used = open_counts(fresh("coordinator"), now=now)
    assert used and rows(got) == direct("coordinator", now, None)
    earlier = now - timedelta(days=6)  # before the horizon: the merged hours cannot say
    got, used = open_counts(fresh("coordinator"), now=earlier)
    assert not used and rows(got) == direct("coordinator", earlier, None)


def test_a_horizon_never_moves_back(people):
    register(people["agent"])
    now = timezone.now()
    fold(now=now)
    fold(now=now - timedelta(days=3))
    assert horizon() == due_hour(now - timedelta(days=1))


def test_the_board_shows_the_counts_and_the_most_urgent_first(org, people):
    rng = random.Random(7)
    clock = timezone.now().replace(microsecond=0) - timedelta(days=6)
    for _ in range(40):
        clock += timedelta(minutes=rng.randint(30, 200))
        step(rng, people, clock)
    fold(now=clock)
    for name in ("coordinator", "county", "leader"):
        board = selectors.board(fresh(name), unit=None, page=1, now=clock)
        want = stage_counts(open_tickets(fresh(name)), now=clock)
        assert (board.total, board.overdue, board.due_soon) == (
            sum(c["total"] for c in want),
            sum(c["overdue"] for c in want),
            sum(c["due_soon"] for c in want),
        )
        urgent = open_tickets(fresh(name)).filter(status=Status.OPEN, due_at__lt=clock + DUE_SOON)
        assert [row.ticket.pk for row in board.urgent.rows] == list(
            urgent.values_list("pk", flat=True)[: selectors.PAGE_SIZE]
        )


def test_emptying_the_tickets_empties_the_counts(org):
    """A test database's flush: PostgreSQL truncates (row triggers do not see it), SQLite
    deletes the tables one by one in no fixed order."""
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"EMPTY{i}",
            query_code="000000",
            type="complaint",
            channel="phone",
            policy="enterprise",
            received_at=now,
            owner_unit=org.units["JZ-C"],
            unit=org.units["JZ-DH-SJ"],
            subject="测试",
            description="测试",
            stage="dispatched",
            status=status,
            stage_entered_at=now,
            due_at=now + timedelta(hours=i),
        )
        for i, status in enumerate([Status.OPEN, Status.SUSPENDED, Status.OPEN, Status.CLOSED])
    )
    fold()
    Ticket.objects.filter(number="EMPTY0").update(stage="handling")  # one pending pair
    assert OpenCount.objects.exists() and OpenCountDelta.objects.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the inserts' checks, before TRUNCATE
            cursor.execute("TRUNCATE tickets_ticket CASCADE")
    else:
        Ticket.objects.all().delete()
    assert not OpenCount.objects.exists()
    assert not OpenCountDelta.objects.exists()


def test_the_worker_folds_every_minute(people):
    from hotline.jobs.discovery import autodiscover_tasks
    from hotline.workflow.tasks import fold_open_counts

    assert "hotline.workflow.tasks" in autodiscover_tasks()
    every_minute = fold_open_counts.s().validate_datetime  # what the scheduler asks
    assert all(every_minute(datetime(2026, 12, 1, 9, m)) for m in (0, 17, 59))
    register(people["agent"])
    assert fold_open_counts.call_local() == 1
    assert not OpenCountDelta.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_registrations_and_folds_at_the_same_time_lose_nothing(org):
    """Writers commit while folds run: each delta is folded once, none is lost or doubled."""
    users = org.users
    done = threading.Event()
    errors: list[str] = []
    moved: list[int] = []
    # halfway, each writer waits for a fold that moved something, so folds run between
    # writes whatever the scheduler does (SQLite's one writer could otherwise starve the
    # folder until every writer is done)
    folded_some = threading.Event()

    def registering(n: int) -> None:
        try:
            for i in range(n):
                if i == n // 2:
                    folded_some.wait(timeout=30)
                ticket = register(users["agent"], type=TYPES[i % len(TYPES)])
                if i % 2:
                    ticket_transition(ticket=ticket, action="accept", actor=users["coordinator"])
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    def folding() -> None:
        try:
            while not done.is_set():
                moved.append(fold())
                if moved[-1]:
                    folded_some.set()
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    writers = [threading.Thread(target=registering, args=(6,)) for _ in range(3)]
    folder = threading.Thread(target=folding)
    folder.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    folder.join()
    assert not errors, errors
    now = timezone.now()
    assert rows(open_counts(fresh("coordinator"), now=now)[0]) == direct("coordinator", now, None)
    moved.append(fold())
    # 18 registrations (+1 each) and 9 acceptances (−1 and +1 each): each folded once
    assert sum(moved) == 18 + 9 * 2 and len([m for m in moved if m]) > 1, moved
    assert sum(OpenCount.objects.values_list("n", flat=True)) == 18
    assert rows(open_counts(fresh("coordinator"), now=now)[0]) == direct("coordinator", now, None)
