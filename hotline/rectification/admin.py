"""Rectification notices in the admin: read-only (they change through the services)."""

from __future__ import annotations

from django.contrib import admin

from hotline.rectification.models import Notice, NoticeMark, NoticeStep, Report
from hotline.tickets.admin import ReadOnlyAdmin


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "subject", "status", "issued_at", "due_at", "on_time"]
    list_filter = ["status"]
    search_fields = ["number", "subject"]
    raw_id_fields = ["unit", "ticket", "issuing_unit", "issued_by"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["notice", "seq", "submitted_by", "submitted_at", "due_at"]
    search_fields = ["notice__number"]
    raw_id_fields = ["notice", "submitted_by"]


@admin.register(NoticeStep)
class NoticeStepAdmin(ReadOnlyAdmin):
    list_display = ["notice", "seq", "action", "actor", "actor_label", "from_status", "to_status", "at"]
    list_filter = ["action"]
    search_fields = ["notice__number"]
    raw_id_fields = ["notice", "actor"]


@admin.register(NoticeMark)
class NoticeMarkAdmin(ReadOnlyAdmin):
    list_display = ["notice", "point", "due_at", "done_at", "messages"]
    list_filter = ["point"]
    search_fields = ["notice__number"]
    raw_id_fields = ["notice"]
