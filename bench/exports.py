"""Exports stream in constant memory: peak Python memory for N/10 and N rows side by side.

Usage::

    python bench/exports.py --synthetic [--rows 100000]       # the writers alone, no database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/exports.py [--rows 100000]

The database mode exports the first ``--rows`` tickets (by id) of a ``hotline generate``d
database as a superuser through ``exports.sources.ticket_listing`` — the same rows, identity
and chunked ``iterator()`` as a real export — into CSV and Excel files, and reports the time,
the peak of ``tracemalloc`` (Python allocations while exporting) and the process's maximum
RSS. Constant memory means the peak for N rows is about the peak for N/10.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.utils import timezone

from hotline.exports.sources import ticket_listing
from hotline.exports.writers import write_csv, write_xlsx
from hotline.tickets.models import Ticket


def synthetic(n: int) -> tuple[list[str], Any]:
    headers = ["工单编号", "标题", "诉求人", "联系电话", "收到时间", "数"]
    now = timezone.localtime()

    def rows() -> Iterator[list[Any]]:
        for i in range(n):
            yield [f"2026{i:010d}", f"购买的电饭煲无法加热,商家拒绝退换 {i}", "张*", "138****5678", now, i]

    return headers, rows


def from_database(n: int) -> tuple[list[str], Any]:
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        raise SystemExit("needs a superuser (hotline createsuperuser) and generated tickets")
    first = Ticket.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    qs = Ticket.objects.filter(pk__gte=first, pk__lt=first + n).order_by("pk")
    listing = ticket_listing(user, qs, title="bench", now=timezone.now())
    return listing.headers, listing.rows


def measure(fmt: str, n: int, source: Any) -> tuple[float, float, int]:
    headers, rows = source(n)
    written = [0]

    def progress(count: int) -> None:
        written[0] = count

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"out.{fmt}"
        tracemalloc.start()
        started = time.perf_counter()
        with path.open("wb") as out:
            if fmt == "csv":
                write_csv(out, headers, rows(), progress=progress)
            else:
                write_xlsx(out, headers, rows(), progress=progress)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, peak / 2**20, written[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--synthetic", action="store_true", help="the writers alone, without a database")
    args = parser.parse_args()
    source = synthetic if args.synthetic else from_database
    print("| format | rows | seconds | peak Python MiB (tracemalloc) |")
    print("|---|---:|---:|---:|")
    for fmt in ("csv", "xlsx"):
        for n in (args.rows // 10, args.rows):
            seconds, peak, written = measure(fmt, n, source)
            print(f"| {fmt} | {written:,} | {seconds:.1f} | {peak:.1f} |")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmax RSS of the whole run: {rss:.0f} MiB ({'synthetic' if args.synthetic else 'database'})")


if __name__ == "__main__":
    main()
