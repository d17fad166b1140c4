"""The search index: one document per ticket and per article, written with the change.

A document is the searchable text of its object as lines (``body``: one line per field, in
``index.TICKET_FIELDS`` order, then the replies) and its Han lexemes (``tokens``, space
separated: rjieba words, characters, bigrams — ``text.lexemes``). The database's own
indexes sit beside these columns (migration 0002, per vendor): on PostgreSQL a generated
``tsv`` column (``strip(to_tsvector('simple', tokens))``, GIN) and a ``pg_trgm`` GIN index on
``body``; on SQLite two FTS5 tables keyed by the object's id (``search_*_words`` over the
tokens, ``search_*_trigram`` over the body, ``tokenize='trigram'``).

Rows are written only by ``hotline.search.index`` (the event and article subscribers, and
``hotline search_reindex``).
"""

from __future__ import annotations

from django.db import models

from hotline.knowledge.models import Article
from hotline.tickets.models import Ticket


class TicketDocument(models.Model):
    ticket = models.OneToOneField(
        Ticket, verbose_name="工单", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField("检索文本")
    tokens = models.TextField("分词")

    class Meta:
        verbose_name = "工单检索文档"
        verbose_name_plural = "工单检索文档"

    def __str__(self) -> str:
        return f"ticket {self.pk}"


class ArticleDocument(models.Model):
    article = models.OneToOneField(
        Article, verbose_name="知识", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField("检索文本")
    tokens = models.TextField("分词")

    class Meta:
        verbose_name = "知识检索文档"
        verbose_name_plural = "知识检索文档"

    def __str__(self) -> str:
        return f"article {self.pk}"
