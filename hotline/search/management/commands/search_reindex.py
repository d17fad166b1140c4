"""``hotline search_reindex``: (re)build the search index for existing tickets and articles.

Needed once after installing search on a database with tickets, and after a change of the
tokenizer. Batches of ``--batch`` tickets, each in its own transaction, by ascending id;
``--from-id`` resumes. A document already as it should be is not rewritten, so a second
run writes nothing. Writes go on meanwhile: a ticket changed during the run is indexed by
its own change.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from hotline.knowledge.models import Article
from hotline.search.index import index_articles, index_tickets
from hotline.tickets.models import Ticket

TICKET_COLUMNS = (
    "id",
    "number",
    "subject",
    "description",
    "demand",
    "respondent_name",
    "respondent_address",
    "respondent_licence",
    "region",
    "complainant_name",
    "complainant_phone",
    "complainant_id_number",
    "complainant_email",
    "complainant_address",
    "confidential",
)


class Command(BaseCommand):
    help = "重建检索索引(工单与知识),分批进行,可重复执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="每批工单数(默认 2000)")
        parser.add_argument("--from-id", type=int, default=0, help="从此工单 id 起(续建)")
        parser.add_argument("--to-id", type=int, default=0, help="到此工单 id 止(含;默认到最后)")
        parser.add_argument("--tickets-only", action="store_true", help="只重建工单索引")

    def handle(self, *args: Any, **options: Any) -> None:
        batch, last = max(1, options["batch"]), options["from_id"] - 1
        started, seen, written = time.monotonic(), 0, 0
        scope = Ticket.objects.filter(pk__lte=options["to_id"]) if options["to_id"] else Ticket.objects.all()
        total = scope.filter(pk__gt=last).count()
        while True:
            tickets = list(scope.filter(pk__gt=last).order_by("pk").only(*TICKET_COLUMNS)[:batch])
            if not tickets:
                break
            with transaction.atomic():
                written += index_tickets(tickets)
            seen += len(tickets)
            last = tickets[-1].pk
            rate = seen / max(time.monotonic() - started, 1e-6)
            self.stdout.write(
                f"{seen:>10,}/{total:,} 工单 · 写入 {written:,} · 至 id {last} · {rate:,.0f} 张/秒"
            )
        if not options["tickets_only"]:
            with transaction.atomic():
                articles = index_articles(list(Article.objects.order_by("pk")))
            self.stdout.write(f"知识 {articles:,} 条写入")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_ticketdocument")
                cursor.execute("ANALYZE search_articledocument")
        self.stdout.write(f"完成:{seen:,} 张工单,写入 {written:,},用时 {time.monotonic() - started:.1f} 秒。")
