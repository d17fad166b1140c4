"""Repeat detection (重复投诉) at volume: the intake's suggestion while the agent types, the
same candidates by hand-written SQL, and what detection adds to a registration.

Usage (see bench/README.md, "Repeats and batches")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/repeats.py --fill
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/repeats.py --runs 200

On a database made by ``hotline generate`` (1M tickets):

0. ``--fill`` (once): every ticket's ``similar.Signature`` (caller, respondent, address,
   MinHash of its words) and, for the tickets received in the last ``--band-days`` (what the
   hourly prune keeps: the longest window of any pack + 1 day), their 32 band rows — written
   with ``COPY``, as detection would have written them one by one. The generated texts come
   from a finite sample set, so each distinct text is signed once.
1. **Suggestions**: callers drawn with a fixed seed among those with a ticket in the last 30
   days — half of them the busiest callers (most tickets), half at random — each typing the
   text of their latest ticket (so a candidate is found). Timed as the intake runs it
   (``similar.selectors.intake_suggestions`` as the agent: scope, caller, bands, similarity)
   and, interleaved, the hand-written SQL of the same candidates (the caller's signatures in
   the window sharing a band) plus the same similarity in Python. Then the whole htmx request
   (``POST /intake/similar/`` through Django's test client: routing, middleware, view,
   template). p50 / p95 / max.
2. **Registration**: what the request pays — ``ticket_register`` without detection's
   subscriber, and with it (the ``Pending`` row in the transaction, then the committed
   hook: a check and the enqueue of ``similar.tasks.detect_ticket``) — interleaved, each in
   a transaction rolled back (the database keeps its tickets). Then, in the same
   transaction, the worker's ``similar.detection.detect`` (signature, bands, repeat flag,
   batch) is timed on its own. Half of the drafts come from a caller with earlier tickets
   and repeat their text (a flag is written), half from a new number. ``--fill`` replays
   batch detection over the last two days first, so a draft meets the batches it would meet
   in service.

Bounds (exit status 1 when one is exceeded): suggestion p95 ≤ 100 ms (the function and the
request); what detection adds to the registration's request ≤ 20 % (medians).
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from hotline.core.errors import HotlineError
from hotline.core.phones import normalise_phone
from hotline.jobs.queue import huey
from hotline.policies.schema import Detection
from hotline.similar.detection import _batch, caller_of, detect, window
from hotline.similar.listeners import on_ticket_committed, on_ticket_event
from hotline.similar.models import Band, Batch, Member, Signature
from hotline.similar.selectors import intake_suggestions
from hotline.similar.text import band_keys, normalise_key, signature, similarity, ticket_words
from hotline.tickets.models import Ticket
from hotline.workflow.drafts import Person, Respondent, TicketDraft
from hotline.workflow.events import event_listeners
from hotline.workflow.registration import ticket_register

SUGGEST_P95_MS = 100.0
REGISTRATION_OVERHEAD = 0.20


class Rollback(Exception):
    pass


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def _summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"p50 {statistics.median(values):7.2f}  p95 {p95:7.2f}  max {values[-1]:7.2f}  (n={len(values)})"


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


# --- 0. fill --------------------------------------------------------------------------------


def fill(band_days: int) -> None:
    qn = connection.ops.quote_name
    sig_table, band_table = qn(Signature._meta.db_table), qn(Band._meta.db_table)
    since = timezone.now() - timedelta(days=band_days)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {sig_table}, {band_table}")
    cache: dict[tuple[str, str, str], tuple[bytes | None, list[int]]] = {}
    fields = (
        "id received_at complainant_phone complainant_email complainant_id_number respondent_name"
        " respondent_address subject description confidential"
    ).split()
    start, done, bands = time.perf_counter(), 0, 0
    last = 0
    while True:
        rows = list(Ticket.objects.filter(pk__gt=last).order_by("pk").values_list(*fields)[:20_000])
        if not rows:
            break
        last = rows[-1][0]
        with transaction.atomic(), connection.cursor() as cursor:
            raw: Any = cursor.cursor
            sig_cols = "ticket_id, received_at, phone, email, id_number, caller, respondent, address, minhash"
            with raw.copy(f"COPY {sig_table} ({sig_cols}) FROM STDIN") as copy:
                for pk, received, phone, email, idno, resp, addr, subject, desc, confidential in rows:
                    if confidential:
                        continue
                    key = (subject, (desc or "")[:2000], resp)
                    if key not in cache:
                        sig = signature(ticket_words(subject, desc, resp))
                        cache[key] = (sig, band_keys(sig) if sig else [])
                    sig, _keys = cache[key]
                    caller = caller_of(phone=phone, email=email, id_number=idno)
                    copy.write_row(
                        (
                            pk,
                            received,
                            caller.phone,
                            caller.email,
                            caller.id_number,
                            caller.key(pk),
                            normalise_key(resp),
                            normalise_key(addr),
                            sig,
                        )
                    )
            with raw.copy(f"COPY {band_table} (ticket_id, key, received_at) FROM STDIN") as copy:
                for pk, received, *_rest, subject, desc, confidential in ((r[0], r[1], *r[2:]) for r in rows):
                    if confidential or received < since:
                        continue
                    _sig, keys = cache[(subject, (desc or "")[:2000], _rest[3])]
                    for k in keys:
                        copy.write_row((pk, k, received))
                        bands += 1
        done += len(rows)
        print(f"  {done:>9,} tickets · {bands:>10,} bands · {time.perf_counter() - start:6.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {sig_table}")
        cursor.execute(f"VACUUM (ANALYZE) {band_table}")
    print(
        f"filled: {done:,} tickets, {len(cache):,} distinct texts, {bands:,} band rows,"
        f" {time.perf_counter() - start:.1f} s"
    )
    replay_batches()


def replay_batches() -> None:
    """The batches detection would have suggested over the last two days, in receipt order,
    so that a registration meets them as it would in service (it joins one, mostly)."""
    start = time.perf_counter()
    Batch.objects.all().delete()
    recent = Signature.objects.filter(received_at__gte=timezone.now() - timedelta(days=2)).order_by(
        "received_at"
    )
    for record in recent.select_related("ticket").iterator(chunk_size=2000):
        with transaction.atomic():
            keys = band_keys(bytes(record.minhash)) if record.minhash is not None else []
            _batch(record.ticket, record, keys, Detection(), timezone.now())
    print(
        f"batches over the last two days: {Batch.objects.count():,} ({Member.objects.count():,} tickets),"
        f" {time.perf_counter() - start:.1f} s"
    )


# --- 1. suggestions -------------------------------------------------------------------------

# the candidates as the app finds them: the caller's partial index, then the time
SQL_CALLER = """
SELECT s.ticket_id, s.received_at, s.minhash
  FROM similar_signature s
 WHERE s.phone = %(phone)s
   AND s.received_at >= %(since)s AND s.received_at <= %(until)s
   AND s.minhash IS NOT NULL
"""
# the same caller's candidates found through the LSH band table first (not what the app does
# for repeats: on a common text the band index returns every ticket with that text)
SQL_BANDS = """
SELECT s.ticket_id, s.received_at, s.minhash
  FROM similar_signature s
 WHERE s.phone = %(phone)s
   AND s.received_at >= %(since)s AND s.received_at <= %(until)s
   AND s.minhash IS NOT NULL
   AND s.ticket_id IN (SELECT b.ticket_id FROM similar_band b
                        WHERE b.key = ANY(%(keys)s) AND b.received_at >= %(since)s
                          AND b.received_at <= %(until)s)
"""


def _callers(rng: random.Random, n: int) -> list[dict[str, Any]]:
    since = timezone.now() - window(Detection().repeat.within)
    recent = (
        Signature.objects.filter(received_at__gte=since).exclude(phone="").values_list("phone", flat=True)
    )
    counts: dict[str, int] = {}
    for phone in recent.iterator(chunk_size=20_000):
        counts[phone] = counts.get(phone, 0) + 1
    busiest = sorted(counts, key=lambda p: -counts[p])[: n // 2]
    others = rng.sample(sorted(counts), min(len(counts), n - len(busiest)))
    out = []
    for phone in [*busiest, *others]:
        latest = (
            Ticket.objects.filter(complainant_phone=phone, confidential=False)
            .order_by("-received_at")
            .values("subject", "description", "respondent_name", "owner_unit__code")
            .first()
        )
        if latest:
            out.append({"phone": phone, "tickets": counts[phone], **latest})
    print(
        f"callers: {len(out)} (busiest has {max(counts.values())} tickets in 30 days;"
        f" {len(counts):,} callers)"
    )
    return out


def _params(caller: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    sig = signature(ticket_words(caller["subject"], caller["description"], caller["respondent_name"]))
    assert sig is not None
    now = timezone.now()
    since = now - window(Detection().repeat.within)
    return sig, {"phone": caller["phone"], "since": since, "until": now, "keys": band_keys(sig)}


def _sql(caller: dict[str, Any], sql: str) -> int:
    sig, params = _params(caller)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return sum(1 for _pk, _r, m in rows if similarity(sig, bytes(m)) >= Detection().repeat.similarity)


def _plan(sql: str, params: dict[str, Any]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return [r[0] if len(r[0]) < 200 else r[0][:197] + "..." for r in cursor.fetchall()]


def suggestions(runs: int, rng: random.Random) -> bool:
    agent = get_user_model().objects.get(username="agent")
    callers = _callers(rng, 40)
    app: list[float] = []
    raw: list[float] = []
    found = 0

    def app_once(c: dict[str, Any]) -> int:
        return len(
            intake_suggestions(
                agent,
                phone=c["phone"],
                subject=c["subject"],
                description=c["description"],
                respondent=c["respondent_name"],
                unit="JZ-C",
            )
        )

    bands: list[float] = []
    for c in callers[:5]:  # warm
        app_once(c)
        _sql(c, SQL_CALLER)
        _sql(c, SQL_BANDS)
    for i in range(runs):
        c = callers[i % len(callers)]
        start = time.perf_counter()
        found += app_once(c) > 0
        app.append(_ms(start))
        start = time.perf_counter()
        _sql(c, SQL_CALLER)
        raw.append(_ms(start))
        if i < runs // 4:  # slow: a quarter of the runs is enough to show it
            start = time.perf_counter()
            _sql(c, SQL_BANDS)
            bands.append(_ms(start))
    client = Client()
    client.force_login(agent)
    request: list[float] = []
    for i in range(runs):
        c = callers[i % len(callers)]
        data = {
            "complainant.phone": c["phone"],
            "subject": c["subject"],
            "description": c["description"],
            "respondent.name": c["respondent_name"],
            "unit": "JZ-C",
        }
        start = time.perf_counter()
        response = client.post("/intake/similar/", data, HTTP_HX_REQUEST="true")
        request.append(_ms(start))
        assert response.status_code == 200, response.status_code
    print("\n# 1. intake suggestion (重复投诉提示), ms")
    print(f"app  intake_suggestions           {_summary(app)}  · {found}/{runs} found the earlier ticket")
    print(f"sql  hand-written, caller first   {_summary(raw)}")
    print(f"sql  hand-written, bands first    {_summary(bands)}")
    print(f"http POST /intake/similar/        {_summary(request)}")
    _sig, params = _params(callers[0])
    print("plan, caller first (the busiest caller):")
    print("\n".join("    " + line for line in _plan(SQL_CALLER, params)))
    print("plan, bands first (the same caller):")
    print("\n".join("    " + line for line in _plan(SQL_BANDS, params)))
    return _p95(app) <= SUGGEST_P95_MS and _p95(request) <= SUGGEST_P95_MS


# --- 2. registration ------------------------------------------------------------------------


def registration(n: int, rng: random.Random) -> bool:
    agent = get_user_model().objects.get(username="agent")

    def readable(phone: str) -> bool:
        try:
            normalise_phone(phone, field="phone")
        except HotlineError:
            return False
        return True

    repeaters = list(
        Ticket.objects.filter(received_at__gte=timezone.now() - timedelta(days=20), confidential=False)
        .filter(complainant_phone__startswith="+861")  # mobiles: a fixed line's extension aside
        .values("complainant_phone", "subject", "description", "respondent_name")[:500]
    )
    repeaters = [r for r in repeaters if readable(r["complainant_phone"])]

    def draft(repeat: bool) -> TicketDraft:
        if repeat:
            r = rng.choice(repeaters)
            phone, subject, text, resp = (
                r["complainant_phone"],
                r["subject"],
                r["description"],
                r["respondent_name"],
            )
        else:
            r = rng.choice(repeaters)
            phone = f"139{rng.randint(0, 99999999):08d}"
            subject, text, resp = r["subject"], r["description"], r["respondent_name"]
        return TicketDraft(
            type="complaint",
            channel="phone",
            subject=subject,
            description=text,
            complainant=Person(name="测试", phone=phone, email="", id_number="", address=""),
            respondent=Respondent(name=resp),
        )

    worker: dict[bool, list[float]] = {False: [], True: []}
    hooks: list[float] = []

    def once(with_detection: bool, repeat: bool) -> float:
        """One registration as the request pays for it: with detection, the ``Pending`` row
        in its transaction and, after it, the committed hook (a check and the enqueue). The
        worker's ``detect`` is then timed on its own (not part of the request)."""
        d = draft(repeat)
        removed = [] if with_detection else [on_ticket_event]
        for f in removed:
            event_listeners.remove(f)
        elapsed = 0.0
        try:
            with transaction.atomic():
                start = time.perf_counter()
                ticket = ticket_register(draft=d, actor=agent)
                elapsed = _ms(start)
                if with_detection:
                    event_id = ticket.events.values_list("pk", flat=True).get(seq=1)  # not timed
                    hook = time.perf_counter()
                    on_ticket_committed(ticket.pk, event_id)
                    hooks.append(_ms(hook))
                    elapsed += hooks[-1]
                if with_detection:
                    start = time.perf_counter()
                    detect(ticket.pk)
                    worker[repeat].append(_ms(start))
                raise Rollback
        except Rollback:
            pass
        finally:
            event_listeners.extend(removed)
        return elapsed

    for _ in range(5):
        once(True, True)
    worker[True].clear()
    times: dict[tuple[bool, bool], list[float]] = {(d, r): [] for d in (False, True) for r in (False, True)}
    for i in range(n):
        repeat = i % 2 == 0
        order = (False, True) if i % 4 < 2 else (True, False)
        for flag in order:
            times[(flag, repeat)].append(once(flag, repeat))
    plain = times[(False, False)] + times[(False, True)]
    detected = times[(True, False)] + times[(True, True)]
    print(f"\n# 2. registration, ms (each rolled back; the queue: {type(huey).__name__})")
    print(f"register, without detection        {_summary(plain)}")
    print(f"register + Pending row + enqueue   {_summary(detected)}")
    overhead = (statistics.median(detected) - statistics.median(plain)) / statistics.median(plain)
    print(f"overhead in the request (medians): {100 * overhead:+.1f} %")
    print(f"  of which the commit hook (enqueue)  {_summary(hooks)}")
    print("the worker's detect() per ticket (not in the request):")
    print(f"  a new caller                      {_summary(worker[False])}")
    print(f"  a repeat (flag_repeat written)    {_summary(worker[True])}")
    return overhead <= REGISTRATION_OVERHEAD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill", action="store_true", help="write signatures and bands for every ticket")
    parser.add_argument("--band-days", type=int, default=31)
    parser.add_argument("--replay", action="store_true", help="only replay batch detection (part of --fill)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--registrations", type=int, default=60)
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    if args.fill:
        fill(args.band_days)
        return
    if args.replay:
        replay_batches()
        return
    print(f"# bench/repeats.py · {connection.vendor} · {Ticket.objects.count():,} tickets")
    print(f"# {platform.platform()} · Python {platform.python_version()} · load {os.getloadavg()}")
    print(f"# signatures {Signature.objects.count():,} · band rows {Band.objects.count():,}")
    rng = random.Random(args.seed)
    ok = suggestions(args.runs, rng)
    ok &= registration(args.registrations, rng)
    print("\nbounds:", "met" if ok else "EXCEEDED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
