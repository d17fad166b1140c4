"""Registration with and without the features that write in its transaction, in one run.

Every registration runs ``ticket_register`` inside a transaction that is rolled back, so the
database does not grow; the variants are interleaved (ABAB…) so load on the machine falls on
all of them alike. The variants drop in-transaction subscribers of ``workflow.events``:

- ``all``: as the product runs (outbox, schedules, the search document, the statistics facts);
- ``no search``: without ``search.index.ticket_indexed``;
- ``no facts``: without ``reports.facts.on_ticket_event``;
- ``no visit tasks``: without ``telephony.listeners.on_ticket_event`` (return visits as
  callback tasks: one indexed query per event while the ticket has had no visit);
- ``neither``: without both (registration as it was before search and statistics).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/registration.py --n 60

Prints the median and p90 of each variant in ms and the overhead against ``neither``.
"""

# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from hotline.reports.facts import on_ticket_event
from hotline.search.index import ticket_indexed
from hotline.telephony.listeners import on_ticket_event as visit_tasks
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.events import event_listeners
from hotline.workflow.registration import ticket_register


class Rollback(Exception):
    pass


VARIANTS: dict[str, tuple[Any, ...]] = {
    "all": (),
    "no search": (ticket_indexed,),
    "no facts": (on_ticket_event,),
    "no visit tasks": (visit_tasks,),
    "neither": (ticket_indexed, on_ticket_event),
}


SUBJECTS = ["小区物业乱收停车费", "餐馆后厨卫生条件差", "快递柜超时收费", "培训机构拒不退费"]


def register_once(agent: Any, rng: random.Random) -> float:
    draft = TicketDraft(
        type="complaint",
        channel="phone",
        subject=rng.choice(SUBJECTS),
        description="诉求人反映:" + "".join(rng.choices("物业公司收费标准不合理要求退还多收费用", k=60)),
        demand="要求核实处理",
        complainant=Person(name="测试", phone=f"139{rng.randint(0, 99999999):08d}"),
    )
    start = time.perf_counter()
    try:
        with transaction.atomic():
            ticket_register(draft=draft, actor=agent)
            raise Rollback
    except Rollback:
        pass
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=60, help="registrations per variant")
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    agent = get_user_model().objects.get(username="agent")
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(5):
        register_once(agent, rng)  # warm
    names = list(VARIANTS)
    for i in range(args.n):
        for name in names if i % 2 == 0 else reversed(names):
            removed = [f for f in VARIANTS[name] if f in event_listeners]
            for f in removed:
                event_listeners.remove(f)
            try:
                times[name].append(register_once(agent, rng))
            finally:
                event_listeners.extend(removed)
    base = statistics.median(times["neither"])
    print(f"# registration, {connection.vendor}, {args.n} per variant, interleaved, each rolled back")
    print(f"{'variant':<14} {'median ms':>10} {'p90 ms':>8} {'vs neither':>11}")
    for name, values in times.items():
        med = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<14} {med:>10.1f} {p90:>8.1f} {100 * (med - base) / base:>+10.1f}%")


if __name__ == "__main__":
    main()
