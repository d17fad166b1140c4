"""The command's entry point: :func:`generate`."""

from __future__ import annotations

import random
import time
from array import array
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import groupby

from django.db import connection
from django.utils import timezone

from hotline.demo.volume.common import CHANNELS, Batch, GenerateResult, History, Progress, _Weighted
from hotline.demo.volume.load import _analyze, _CopyWriter, _OrmWriter, _Pipeline, _reserve_numbers
from hotline.demo.volume.org import _load_world, ensure_org
from hotline.demo.volume.simulate import _arrivals, _Simulator
from hotline.followup.services import schedule_open_tickets


def _batches(order: array[float], size: int) -> Iterator[array[float]]:
    for start in range(0, len(order), size):
        yield order[start : start + size]


def generate(
    *,
    tickets: int,
    seed: int | None = None,
    batch: int = 10_000,
    years: float = 3.0,
    extra_units: int = 0,
    handlers_per_unit: int = 3,
    history: History = "full",
    policy: str = "",
    writers: int = 2,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Add ``tickets`` simulated tickets received over the last ``years`` years."""
    if tickets <= 0:
        raise ValueError("tickets must be positive")
    if not 0 < years <= 20:
        raise ValueError("years must be in (0, 20]")
    seed = random.randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    now = now or timezone.now()
    started = time.perf_counter()
    ensure_org(extra_units=extra_units, handlers_per_unit=handlers_per_unit, policy=policy)
    world = _load_world(rng)
    tz = world.calendar.tz
    times = _arrivals(rng, count=tickets, now=now, years=years, tz=tz)
    day_of = [datetime.fromtimestamp(ts, tz).date() for ts in times]
    per_day = [(day, sum(1 for _ in group)) for day, group in groupby(day_of)]
    next_seq = _reserve_numbers(per_day)
    channels = _Weighted(CHANNELS)
    sim = _Simulator(world, rng, now=now, history=history, callers=tickets // 10, route_seed=seed)
    if connection.vendor == "postgresql":
        write: Callable[[Batch], int] = _CopyWriter().write
    else:
        write = _OrmWriter().write
    # Inside a transaction (a test), another connection would not see the organisation.
    threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
    pipeline = _Pipeline(write, writers=writers) if threaded else None
    done = events = 0
    try:
        for chunk in _batches(times, max(1, batch)):
            rows: Batch = []
            for ts in chunk:
                day = day_of[done + len(rows)]
                seq = next_seq[day]
                next_seq[day] = seq + 1
                rows.append(
                    sim.ticket(
                        registered=datetime.fromtimestamp(ts, UTC),
                        channel=channels.pick(rng),
                        number=f"{day:%Y%m%d}{seq:06d}",
                    )
                )
            events += sum(len(ticket_events) for _row, ticket_events in rows)
            if pipeline is not None:
                pipeline.put(rows)
            else:
                write(rows)
            done += len(rows)
            if progress is not None:
                progress(done, events, time.perf_counter() - started)
    finally:
        if pipeline is not None:
            pipeline.close()
    # the sweep reads its schedule, not the tickets: every generated open ticket is due a look
    schedule_open_tickets(now=now)
    _analyze()
    return GenerateResult(tickets=done, events=events, seconds=time.perf_counter() - started, seed=seed)
