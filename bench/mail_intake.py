"""Mail intake: N mails in a real Dovecot, fetched and registered by ``mailbox_fetch``.

Starts the tests' Dovecot (``tests/servers/imap.py``: Debian's ``dovecot-imapd``, on a
loopback port, in a temporary folder), appends N mails by IMAP APPEND (untimed), then
times one ``mailbox_fetch`` of them all — IMAP search, size and body fetches, parsing, the
``InboundMail`` claim, ``ticket_register`` with every in-transaction subscriber (receipt in
the outbox, search document, statistics facts, sweep schedule) and the attachments. The
mix: 70 % UTF-8 plain text, 15 % GBK labelled gb2312, 10 % with a PDF attachment, 5 %
HTML only. It runs twice on N fresh mails each: as shipped, and without the after-commit subscribers
(repeat and batch detection, ``similar``); then N more of the same kind go straight to
``ticket_register`` (parsed beforehand, no IMAP, no ``InboundMail``, attachments not
added), to show what mail intake adds to registration. Then it times
a fetch that finds nothing new, and a fetch of all N again after the checkpoint is reset
(what a crash before the checkpoint costs: every mail skipped).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/mail_intake.py --n 500

The tickets it makes stay (history is append-only): run it on a benchmark database. Prints
messages per second; exits 1 below ``--min-rate`` (default 20, the issue's bound).
"""

# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import time
import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.db import connection
from django.utils import timezone

from hotline.demo.seed import seed_org
from hotline.mailin.models import InboundMail, Mailbox, Security
from hotline.mailin.reading import read_mail
from hotline.mailin.services import FetchReport, mailbox_fetch
from hotline.org.models import Unit
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.events import committed_listeners
from hotline.workflow.registration import ticket_register
from tests.servers.imap import ImapServer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + b"0" * 40_000
SUBJECTS = [
    "小区物业乱收停车费",
    "餐馆后厨卫生条件差",
    "快递柜超时收费",
    "培训机构拒不退费",
    "超市价签与结账不符",
]
WORDS = "物业公司收费标准不合理要求退还多收费用商家拒不退款请尽快核实处理"


def _text(rng: random.Random) -> str:
    return "您好:\n" + "".join(rng.choices(WORDS, k=rng.randint(80, 400))) + "\n此致\n"


def build(i: int, rng: random.Random) -> bytes:
    kind = rng.random()
    sender = f"citizen{i}@example.cn"
    subject = f"{rng.choice(SUBJECTS)}({i})"
    if 0.70 <= kind < 0.85:  # GBK bytes labelled gb2312, as many Chinese clients send
        body = base64.encodebytes(_text(rng).encode("gbk")).decode()
        word = base64.b64encode(subject.encode("gbk")).decode()
        head = (
            f"From: <{sender}>\r\nTo: 12345@hotline.example.cn\r\nSubject: =?gb2312?B?{word}?=\r\n"
            f"Date: {format_datetime(timezone.now())}\r\nMessage-ID: <{uuid.uuid4().hex}@example.cn>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
        )
        return (head + body).encode()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "12345@hotline.example.cn", subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex[:8], domain="example.cn")
    if kind >= 0.95:
        msg.set_content(f"<html><body><p>{_text(rng)}</p></body></html>", subtype="html")
    else:
        msg.set_content(_text(rng))
    if 0.85 <= kind < 0.95:
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="现场照片.pdf")
    return msg.as_bytes()


def _mailbox(server: ImapServer, folder: str) -> Mailbox:
    return Mailbox.objects.create(
        name=f"bench-{uuid.uuid4().hex[:8]}",
        host=server.host,
        port=server.port,
        security=Security.NONE,
        username=server.username,
        password=server.password,
        folder=folder,
        take_existing=True,
    )


def _timed(mailbox: Mailbox, n: int) -> tuple[FetchReport, float, float]:
    """One fetch: its report, wall seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    report = mailbox_fetch(mailbox=mailbox, limit=n)
    return report, time.perf_counter() - wall, time.process_time() - cpu


def _register_alone(mails: list[bytes]) -> tuple[FetchReport, float, float]:
    """The same kind of mails registered straight from parsed drafts, with no IMAP and no
    ``InboundMail``: what the core and its subscribers cost, for comparison."""
    drafts = []
    for raw in mails:
        mail = read_mail(raw)
        drafts.append(
            TicketDraft(
                type="complaint",
                channel="email",
                subject=mail.subject,
                description=mail.body,
                complainant=Person(name=mail.sender_name, email=mail.sender),
                source=mail.message_id,
            )
        )
    report = FetchReport(mailbox="-")
    wall, cpu = time.perf_counter(), time.process_time()
    for draft in drafts:
        ticket_register(draft=draft, actor=None, actor_label="电子邮件")
        report.outcomes["ticket"] += 1
    return report, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=500, help="mails to take (per variant)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--min-rate", type=float, default=20.0, help="fail below this many mails a second")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if not Unit.objects.exists():
        seed_org(password=uuid.uuid4().hex, policy="enterprise")
    server = ImapServer().start()
    results: dict[str, tuple[FetchReport, float, float]] = {}
    try:
        folders = {"as shipped": server.new_folder(), "no after-commit subscribers": server.new_folder()}
        size = 0
        started = time.perf_counter()
        for folder in folders.values():
            mails = [build(i, rng) for i in range(args.n)]
            size += sum(len(m) for m in mails)
            for i in range(0, len(mails), 100):
                server.append(folder, *mails[i : i + 100])
        appended = time.perf_counter() - started
        boxes = {name: _mailbox(server, folder) for name, folder in folders.items()}
        results["as shipped"] = _timed(boxes["as shipped"], args.n)
        kept = list(committed_listeners)
        committed_listeners.clear()  # repeat and batch detection (similar) run after commit
        try:
            results["no after-commit subscribers"] = _timed(boxes["no after-commit subscribers"], args.n)
        finally:
            committed_listeners.extend(kept)
        results["ticket_register alone"] = _register_alone([build(i, rng) for i in range(args.n)])
        mailbox = boxes["as shipped"]
        started = time.perf_counter()
        idle = mailbox_fetch(mailbox=mailbox)
        idle_took = time.perf_counter() - started
        Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)
        mailbox.refresh_from_db()
        again, again_took, _cpu = _timed(mailbox, args.n)
    finally:
        server.stop()
    errors = InboundMail.objects.filter(mailbox__in=list(boxes.values()), outcome="error").count()
    vendor, megabytes = connection.vendor, size / 2e6
    print(f"# mail intake, {vendor}, {args.n} mails per variant ({megabytes:.1f} MB), seed {args.seed}")
    print(f"append (setup, not timed below): {appended:.2f} s for {2 * args.n} mails")
    print(f"{'variant':<28} {'mails':>6} {'wall s':>7} {'mails/s':>8} {'ms each':>8} {'CPU s here':>11}")
    for name, (report, wall, cpu) in results.items():
        rate = report.taken / wall if wall else 0.0
        each = 1000 * wall / max(report.taken, 1)
        print(f"{name:<28} {report.taken:>6} {wall:>7.2f} {rate:>8.1f} {each:>8.1f} {cpu:>11.2f}")
    print(f"outcomes (as shipped): {dict(results['as shipped'][0].outcomes)}; errors kept: {errors}")
    print(f"poll with nothing new: {idle_took * 1000:.0f} ms (taken {idle.taken})")
    print(
        f"re-fetch after a lost checkpoint: {again.skipped} skipped, {again.taken} taken, {again_took:.2f} s"
    )
    shipped, wall, _cpu = results["as shipped"]
    if shipped.taken / wall < args.min_rate or shipped.taken != args.n or again.taken:
        print(f"FAILED: below {args.min_rate} mails/s or not every mail taken exactly once")
        sys.exit(1)


if __name__ == "__main__":
    main()
