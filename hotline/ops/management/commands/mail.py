"""``hotline mail fetch``: poll the mailboxes now (the worker does it every minute).

``hotline mail fetch`` takes every active mailbox, ``--mailbox NAME`` one (active or not),
``--check`` only logs in and opens the folder. The exit status is 1 when a mailbox could
not be reached, so a cron job or a deployment check notices.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.mailin import imap
from hotline.mailin.models import Mailbox
from hotline.mailin.services import FetchReport, mailbox_fetch


class Command(BaseCommand):
    help = "邮件受理:收取受理邮箱中的新邮件(登记工单、记入往来函件或记录退信与自动回复)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, metavar="fetch")
        fetch = sub.add_parser("fetch", help="收取新邮件")
        fetch.add_argument("--mailbox", default="", metavar="NAME", help="只收取这个邮箱(按名称,停用的也可)")
        fetch.add_argument(
            "--limit", type=int, default=0, help="每个邮箱最多收取几封(默认 HOTLINE_MAIL_MAX_PER_POLL)"
        )
        fetch.add_argument("--check", action="store_true", help="只测试连接:登录并打开文件夹,不收取")

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(options.get("mailbox") or "")
        mailboxes = list(Mailbox.objects.filter(name=name) if name else Mailbox.objects.filter(active=True))
        if name and not mailboxes:
            raise CommandError(f"没有名为“{name}”的受理邮箱")
        if not mailboxes:
            self.stdout.write("没有启用的受理邮箱(在管理后台“受理邮箱”中添加)")
            return
        failed = 0
        for mailbox in mailboxes:
            if options.get("check"):
                failed += not self._check(mailbox)
                continue
            report: FetchReport = mailbox_fetch(mailbox=mailbox, limit=options.get("limit") or None)
            self.stdout.write(report.summary())
            failed += bool(report.error)
        if failed:
            raise CommandError(f"{failed} 个邮箱连接失败")

    def _check(self, mailbox: Mailbox) -> bool:
        try:
            with imap.connect(mailbox) as client:
                folder = imap.open_folder(client, mailbox.folder)
                pending = len(imap.uids_after(client, mailbox.last_uid)) if mailbox.uid_validity else None
        except imap.CONNECTION_ERRORS as exc:
            self.stdout.write(f"{mailbox.name}:连接失败({type(exc).__name__}: {exc})")
            return False
        waiting = f",待收取 {pending} 封" if pending is not None else ",尚未收取过"
        self.stdout.write(f"{mailbox.name}:连接成功,UIDVALIDITY {folder.uid_validity}{waiting}")
        return True
