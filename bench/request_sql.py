"""One request as a given role, with its time and the SQL it ran (for before/after checks).

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench \\
        python bench/request_sql.py [--role coordinator] [--url /api/v1/tickets/?page_size=50]

Run it from two checkouts (e.g. ``git worktree add /tmp/base <commit>``) against the same
database to compare one request before and after a change.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.hot_queries import user_with


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", default="coordinator")
    parser.add_argument("--url", default="/api/v1/tickets/?page_size=50")
    args = parser.parse_args()
    client = Client()
    client.force_login(user_with(args.role)[0])
    client.get(args.url)  # warm up
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(args.url)
        elapsed = time.perf_counter() - started
    print(f"{args.url} as {args.role}: HTTP {response.status_code}, {elapsed * 1000:.1f} ms")
    for q in queries.captured_queries:
        if "tickets_ticket" in q["sql"]:
            print(f"  {float(q['time']) * 1000:6.1f} ms  {q['sql'][:300]}")


if __name__ == "__main__":
    main()
