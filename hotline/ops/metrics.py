"""Prometheus metrics (``prometheus-client``), served at ``/metrics``.

Two kinds:

* **Request metrics**, counted by ``RequestLogMiddleware`` in each server process:
  ``hotline_http_requests_total{view,method,status}`` and the latency histogram
  ``hotline_http_request_duration_seconds{view,method}``. Under ``hotline serve`` several
  gunicorn processes count; ``PROMETHEUS_MULTIPROC_DIR`` (set by ``serve``) lets each write
  its own file and a scrape add them up.
* **State gauges**, computed from the database when scraped, each by one query on a
  partial index (open tickets, open or dead messages, due sweep points), so a scrape
  stays cheap with a million closed tickets: tickets open by stage, overdue tickets,
  outbox messages waiting and dead, the age of the oldest due message, sweep lag, and
  the queue's depth.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from hotline.followup.models import SweepSchedule
from hotline.notify.models import OPEN_STATUSES as MESSAGE_OPEN_STATUSES
from hotline.notify.models import Message, MessageStatus
from hotline.tickets.models import OPEN_STATUSES as TICKET_OPEN_STATUSES
from hotline.tickets.models import Ticket

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "hotline_http_requests",
    "HTTP requests served, by route name, method and status code",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "hotline_http_request_duration_seconds",
    "Time to serve a request (middleware to response), by route name and method",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view, method=method).observe(seconds)


# --- the queries behind the gauges (each one reads a partial index; tests EXPLAIN them) ---


def open_tickets_by_stage() -> QuerySet[Ticket, Any]:
    return (
        Ticket.objects.filter(status__in=TICKET_OPEN_STATUSES)
        .order_by()
        .values("stage", "status")
        .annotate(n=Count("pk"))
    )


def overdue_tickets(now: datetime) -> QuerySet[Ticket]:
    """Open tickets past their binding deadline (``due_at < now``, as everywhere)."""
    return Ticket.objects.filter(status__in=TICKET_OPEN_STATUSES, due_at__lt=now)


def open_messages_by_status() -> QuerySet[Message, Any]:
    return (
        Message.objects.filter(status__in=MESSAGE_OPEN_STATUSES)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )


def oldest_due_message(now: datetime) -> QuerySet[Message, datetime]:
    return (
        Message.objects.filter(status__in=MESSAGE_OPEN_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)[:1]
    )


def dead_messages() -> QuerySet[Message]:
    return Message.objects.filter(status=MessageStatus.DEAD)


def oldest_due_sweep(now: datetime) -> QuerySet[SweepSchedule, datetime | None]:
    return (
        SweepSchedule.objects.filter(next_at__isnull=False, next_at__lte=now)
        .order_by("next_at")
        .values_list("next_at", flat=True)[:1]
    )


class StateCollector(Collector):
    """The gauges read from the database and the queue at scrape time."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        failed: list[str] = []
        for part, gauges in (
            ("tickets", self._tickets),
            ("outbox", self._outbox),
            ("sweep", self._sweep),
            ("queue", self._queue),
        ):
            try:
                yield from gauges(now)
            except Exception:  # one broken part must not hide the others
                logger.exception("metrics: could not read %s", part)
                failed.append(part)
        errors = GaugeMetricFamily(
            "hotline_metrics_part_failed",
            "1 when this part of the metrics could not be read",
            labels=["part"],
        )
        for part in ("tickets", "outbox", "sweep", "queue"):
            errors.add_metric([part], 1.0 if part in failed else 0.0)
        yield errors

    def _tickets(self, now: datetime) -> Iterator[Metric]:
        by_stage = GaugeMetricFamily(
            "hotline_tickets_open", "Open tickets (open or suspended) by stage", labels=["stage", "status"]
        )
        rows = list(open_tickets_by_stage())
        for row in rows:
            by_stage.add_metric([str(row["stage"]), str(row["status"])], float(row["n"]))
        yield by_stage
        yield GaugeMetricFamily(
            "hotline_tickets_overdue",
            "Open tickets past their binding deadline (due_at < now)",
            value=float(overdue_tickets(now).count()),
        )

    def _outbox(self, now: datetime) -> Iterator[Metric]:
        messages = GaugeMetricFamily(
            "hotline_outbox_messages",
            "Outbox messages still to deliver (pending, sending, retrying) and given up (dead)",
            labels=["status"],
        )
        counts = {str(row["status"]): float(row["n"]) for row in open_messages_by_status()}
        for status in MESSAGE_OPEN_STATUSES:
            messages.add_metric([str(status)], counts.get(str(status), 0.0))
        messages.add_metric([str(MessageStatus.DEAD)], float(dead_messages().count()))
        yield messages
        oldest = oldest_due_message(now).first()
        yield GaugeMetricFamily(
            "hotline_outbox_oldest_due_seconds",
            "How long the oldest message due for delivery has been waiting (0: none)",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )

    def _sweep(self, now: datetime) -> Iterator[Metric]:
        oldest = oldest_due_sweep(now).first()
        yield GaugeMetricFamily(
            "hotline_sweep_lag_seconds",
            "How long the oldest due sweep point has waited (the sweep runs every minute; 0: none due)",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )

    def _queue(self, now: datetime) -> Iterator[Metric]:
        from hotline.jobs.queue import huey

        yield GaugeMetricFamily(
            "hotline_queue_pending_tasks",
            "Tasks waiting in the queue for a worker",
            value=float(huey.pending_count()),
        )
        yield GaugeMetricFamily(
            "hotline_queue_scheduled_tasks",
            "Tasks scheduled for later (retries, delayed tasks)",
            value=float(huey.scheduled_count()),
        )


class _ThisProcess(Collector):
    """The request metrics of this process alone (runserver, tests: one process)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> bytes:
    """The exposition text: request metrics of every server process, then the gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in prometheus_client
    else:
        registry.register(_ThisProcess())
    registry.register(StateCollector())
    return generate_latest(registry)
