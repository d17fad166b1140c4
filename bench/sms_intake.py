"""SMS intake: signed Aliyun pushes through the whole HTTP stack into tickets and correspondence.

Posts ``--pushes`` pushes of ``--batch`` messages each (Aliyun sends several per request) to
``/api/v1/sms/inbound/aliyun/`` through Django's test client — middleware, signature check,
parsing, the ``InboundSms`` claim, ``ticket_register`` with every in-transaction subscriber
(receipt in the outbox, search document, statistics facts, sweep schedule) — from new
numbers (each a new ticket); then the same pushes again (a retry: every message skipped);
then one reply from each of those numbers (correspondence on its open ticket). Prints
milliseconds per push (p50, p95, max) and messages per second for each round.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/sms_intake.py --pushes 50

The tickets it makes stay (history is append-only): run it on a benchmark database.
"""

# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("HOTLINE_SMS_INBOUND_SECRET", uuid.uuid4().hex)

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client

from hotline.demo.seed import seed_org
from hotline.org.models import Unit
from hotline.smsin.signing import signature_header

URL = "/api/v1/sms/inbound/aliyun/"
TEXTS = [
    "小区物业乱收停车费,要求退还",
    "东湖路餐馆后厨卫生条件差,请查处",
    "快递柜超时收费不合理",
    "培训机构拒不退费,已经拖了两个月",
    "超市价签与结账不符,多收了钱",
]


def _round(client: Client, pushes: list[bytes]) -> list[float]:
    took: list[float] = []
    for body in pushes:
        header = signature_header(settings.HOTLINE_SMS_INBOUND_SECRET, body)
        start = time.perf_counter()
        response = client.post(
            URL, data=body, content_type="application/json", HTTP_X_HOTLINE_SIGNATURE=header
        )
        took.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"push refused: {response.status_code} {response.content[:300]!r}")
    return took


def _report(name: str, took: list[float], messages: int) -> None:
    ordered = sorted(took)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    rate = messages / (sum(took) / 1000)
    print(
        f"{name:<26} push p50 {statistics.median(took):7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {max(took):7.1f} ms   {rate:6.1f} messages/s"
    )


def _push(items: list[dict[str, Any]]) -> bytes:
    return json.dumps(items, ensure_ascii=False).encode()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--batch", type=int, default=10, help="messages per push")
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    if not Unit.objects.exists():
        seed_org(password=uuid.uuid4().hex, policy="enterprise")
    rng = random.Random(args.seed)
    run = uuid.uuid4().int % 10**6
    sent = time.strftime("%Y-%m-%d %H:%M:%S")
    numbers = rng.sample(range(10**7, 10**8), args.pushes * args.batch)
    new: list[bytes] = []
    replies: list[bytes] = []
    for p in range(args.pushes):
        chunk = numbers[p * args.batch : (p + 1) * args.batch]
        new.append(
            _push(
                [
                    {
                        "phone_number": f"139{n:08d}",
                        "send_time": sent,
                        "content": f"{rng.choice(TEXTS)}({run}-{n})",
                        "dest_code": "1234",
                        "sequence_id": f"{run}{n}",
                    }
                    for n in chunk
                ]
            )
        )
        replies.append(
            _push(
                [
                    {
                        "phone_number": f"139{n:08d}",
                        "send_time": sent,
                        "content": "补充:商家电话是 0791-1234567",
                        "dest_code": "1234",
                        "sequence_id": f"{run}{n}r",
                    }
                    for n in chunk
                ]
            )
        )
    client = Client()
    total = args.pushes * args.batch
    print(f"{connection.vendor}: {args.pushes} pushes × {args.batch} messages")
    _report("new numbers → tickets", _round(client, new), total)
    _report("same pushes again (retry)", _round(client, new), total)
    _report("replies → correspondence", _round(client, replies), total)


if __name__ == "__main__":
    main()
