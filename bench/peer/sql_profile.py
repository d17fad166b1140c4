"""Where a request's time goes: SQL, commit and template time of each request, in-process.

Run by bench/peer/compare.py after the HTTP run, once in each environment (Hotline's venv
with ``--side ours``, bench/peer/.venv with ``--side peer``), with the same settings and
database as the servers. Each request goes through Django's test ``Client`` (routing,
middleware, view, SQL, template; no network), logged in as ``--user``, DEBUG off. A request
names a list of URLs: the first two are requested untimed (code paths warm, not the rows
measured), then each of the others once, so a ticket page is timed on tickets not read
before, as over HTTP. Per request it times at the source, without a debug cursor:

* every statement at the cursor (``connection.execute_wrapper``, ``perf_counter``) — on
  the peer, whose views run in autocommit, that includes each statement's commit;
* explicit commits (``connection.commit``: the end of an ``atomic`` block — ours);
* template rendering (the backend's ``Template.render``: the whole page, includes inside),
  without the statements run while rendering (a queryset the template walks): those count
  as SQL.

Not seen here: statements on a connection of their own (ours takes the ticket number on
one, in autocommit) count as "rest", with the view's Python, the ORM building queries
and model instances, serializers and middleware.

Writes a JSON list to ``--out``: ``{"name", "ms", "statements", "sql_ms", "commit_ms",
"template_ms", "rest_ms", "detail"}`` — the median of each (so the parts need not add up
to the total exactly), and the statements of the median run with their times. The create
requests make tickets, marked "peer-bench" like compare.py's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", choices=("ours", "peer"), required=True)
    parser.add_argument("--src", default=str(HERE.parent.parent), help="Hotline's source tree (ours)")
    parser.add_argument("--user", required=True)
    parser.add_argument("--queue", default="1", help="the peer's queue id for the create form")
    parser.add_argument("--out", required=True)
    parser.add_argument("requests", help='JSON list of [name, "GET"|"POST_JSON"|"POST_FORM", [url, …]]')
    args = parser.parse_args()
    if args.side == "ours":
        sys.path.insert(0, args.src)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    else:
        sys.path.insert(0, str(HERE))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.template.backends.django import Template
    from django.test import Client

    clock: dict[str, float] = {"sql": 0.0, "commit": 0.0, "template": 0.0, "sql_in_template": 0.0}
    statements: list[tuple[float, str]] = []
    rendering = [0]  # depth of template rendering: querysets a template walks run inside it

    def timer(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            clock["sql"] += spent
            if rendering[0]:
                clock["sql_in_template"] += spent
            statements.append((round(spent * 1000, 2), " ".join(sql.split())[:240]))

    def timed(key: str, fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                clock[key] += time.perf_counter() - started

        return wrapper

    render = timed("template", Template.render)

    def render_counted(*a: Any, **kw: Any) -> Any:
        rendering[0] += 1
        try:
            return render(*a, **kw)
        finally:
            rendering[0] -= 1

    Template.render = render_counted  # type: ignore[method-assign]

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=args.user))
    counter = iter(range(10**6))

    def call(method: str, url: str) -> int:
        n = next(counter)
        if method == "GET":
            return client.get(url).status_code
        if method == "POST_JSON":
            body = {
                "type": "complaint",
                "channel": "phone",
                "subject": f"快递丢件(peer-bench sql {n})",
                "description": "来电反映的情况,peer-bench 对比测试生成。" * 3,
                "complainant": {
                    "name": "对比测试",
                    "phone": f"1390000{n:04d}",
                    "email": f"sql{n}@example.test",
                },
            }
            return client.post(url, body, content_type="application/json").status_code
        form = {
            "queue": args.queue,
            "title": f"快递丢件(peer-bench sql {n})",
            "body": "来电反映的情况,peer-bench 对比测试生成。" * 3,
            "priority": "3",
            "due_date": "",
            "submitter_email": f"sql{n}@example.test",
            "assigned_to": "",
        }
        return client.post(url, form).status_code

    results = []
    for name, method, urls in json.loads(args.requests):
        runs = []
        for k, url in enumerate(urls):
            for key in clock:
                clock[key] = 0.0
            statements.clear()
            commit = connection.commit
            connection.commit = timed("commit", commit)  # type: ignore[method-assign]
            try:
                with connection.execute_wrapper(timer):
                    started = time.perf_counter()
                    status = call(method, url)
                    elapsed = (time.perf_counter() - started) * 1000
            finally:
                connection.commit = commit  # type: ignore[method-assign]
            if status not in (200, 201, 302):
                raise SystemExit(f"{method} {url}: HTTP {status}")
            if k >= 2:
                ms = {key: v * 1000 for key, v in clock.items()}
                parts = {
                    "ms": elapsed,
                    "statements": len(statements),
                    "sql_ms": ms["sql"],
                    "commit_ms": ms["commit"],
                    "template_ms": ms["template"] - ms["sql_in_template"],  # its own work, not its queries
                }
                parts["rest_ms"] = elapsed - parts["sql_ms"] - parts["commit_ms"] - parts["template_ms"]
                runs.append((parts, list(statements)))
        runs.sort(key=lambda r: r[0]["ms"])
        item: dict[str, Any] = {"name": name}
        for key in ("ms", "statements", "sql_ms", "commit_ms", "template_ms", "rest_ms"):
            item[key] = statistics.median(r[0][key] for r in runs)
        item["detail"] = runs[len(runs) // 2][1]  # the statements of the median run: (ms, SQL)
        results.append(item)
    Path(args.out).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main()
