"""``hotline backup`` / ``hotline restore``: a restore into an empty database (another
PostgreSQL database on the same server, or another SQLite file) gives back every ticket,
every history event and every attachment's bytes; a database with data or a damaged
archive is refused before anything changes."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hotline.ops.backup import MANIFEST
from hotline.tickets.models import Attachment, Ticket, TicketEvent
from hotline.workflow.attachments import attachment_add
from tests.factories import register
from tests.helpers import act
from tests.jobs.workers import REPO

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS_SQL = {
    "postgresql": (
        "SELECT t.number, e.seq, e.action, e.from_stage, e.to_stage, e.from_status, e.to_status, e.comment,"
        " e.payload::text, e.public, EXTRACT(EPOCH FROM e.created_at)::text, e.actor_id, e.actor_label"
        " FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id ORDER BY t.number, e.seq"
    ),
    "sqlite": (
        "SELECT t.number, e.seq, e.action, e.from_stage, e.to_stage, e.from_status, e.to_status, e.comment,"
        # casts: no column type, so Django's cursor converts nothing (raw values on both sides)
        " CAST(e.payload AS TEXT), CAST(e.public AS INTEGER), CAST(e.created_at AS TEXT),"
        " e.actor_id, e.actor_label"
        " FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id ORDER BY t.number, e.seq"
    ),
}
TICKETS_SQL = (
    "SELECT number, stage, status, version, subject, complainant_phone FROM tickets_ticket ORDER BY number"
)
ATTACHMENTS_SQL = (
    "SELECT t.number, a.name, a.size, a.file FROM tickets_attachment a"
    " JOIN tickets_ticket t ON t.id = a.ticket_id ORDER BY t.number, a.name"
)


def png(shade: int) -> bytes:
    """A real 1×1 PNG (uploads are checked on their bytes, not their names)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, shade, 255 - shade, 7]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def history(users, media):
    """Tickets in several stages, with attachments and a link: real history to compare."""
    agent, coordinator, head = users["agent"], users["coordinator"], users["head"]
    tickets = [register(agent) for _ in range(4)]
    act(tickets[0], "accept", coordinator)
    act(Ticket.objects.get(pk=tickets[0].pk), "dispatch", coordinator, unit="JZ-DH-SJ")
    act(Ticket.objects.get(pk=tickets[0].pk), "sign", head)
    act(tickets[1], "accept", coordinator)
    for i, ticket in enumerate(tickets[:3]):
        attachment_add(
            ticket=Ticket.objects.get(pk=ticket.pk),
            upload=SimpleUploadedFile(f"现场照片{i}.png", png(i * 40), content_type="image/png"),
            actor=agent,
        )
    attachment_add(
        ticket=Ticket.objects.get(pk=tickets[0].pk),
        upload=SimpleUploadedFile("说明.txt", "商家拒绝退款。\n".encode(), content_type="text/plain"),
        actor=agent,
    )
    assert TicketEvent.objects.count() >= 12 and Attachment.objects.count() == 4
    return tickets


def source_rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


class Target:
    """An empty database of the same kind, outside the test's own settings."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.home = tmp_path / "restored-home"
        self.media = tmp_path / "restored-media"
        s = connection.settings_dict
        if self.vendor == "postgresql":
            self.name = f"{s['NAME']}_restore"[:63]
            self.pg = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "user": s["USER"]}
            if s.get("PASSWORD"):
                self.pg["password"] = s["PASSWORD"]
            self._admin(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"'
            )
            auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
            self.url = f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}/{self.name}"
        else:
            self.path = tmp_path / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, *statements: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **self.pg) as conn:
            for statement in statements:
                conn.execute(statement)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.vendor == "postgresql":
            with psycopg.connect(dbname=self.name, **self.pg) as conn:
                return [tuple(row) for row in conn.execute(sql).fetchall()]
        with sqlite3.connect(self.path) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]

    def tables(self) -> int:
        if self.vendor == "postgresql":
            sql = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        else:
            if not self.path.exists():
                return 0
            sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
        return int(self.rows(sql)[0][0])

    def restore(self, archive: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("HOTLINE_TEST_DB", "REDIS_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="hotline.settings",
            DATABASE_URL=self.url,
            HOTLINE_HOME=str(self.home),
            HOTLINE_MEDIA_ROOT=str(self.media),
        )
        return subprocess.run(
            [sys.executable, "-m", "hotline.cli", "restore", str(archive), *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture
def target(tmp_path):
    target = Target(tmp_path)
    yield target
    target.drop()


def backup_to(path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "备份完成" in out.getvalue()
    return path


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile(MANIFEST)
        assert member is not None
        return json.loads(member.read())


def test_a_restore_into_an_empty_database_gives_back_every_event_and_attachment(
    history, media, target, tmp_path
):
    archive = backup_to(tmp_path / "hotline.tar.gz")
    events = source_rows(EVENTS_SQL[connection.vendor])
    tickets = source_rows(TICKETS_SQL)
    attachments = source_rows(ATTACHMENTS_SQL)
    assert target.tables() == 0

    result = target.restore(archive)

    assert result.returncode == 0, result.stderr
    assert target.rows(EVENTS_SQL[connection.vendor]) == events
    assert target.rows(TICKETS_SQL) == tickets
    assert target.rows(ATTACHMENTS_SQL) == attachments
    for _number, _name, size, stored in attachments:
        original = (media / stored).read_bytes()
        assert len(original) == size
        assert (target.media / stored).read_bytes() == original
    # the append-only guard on history came back with the schema (PostgreSQL: a trigger)
    if connection.vendor == "postgresql":
        assert (
            target.rows("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'tickets_ticketevent%'")[0][0] >= 1
        )


def test_the_manifest_counts_rows_and_checksums_every_file(history, media, tmp_path):
    manifest = read_manifest(backup_to(tmp_path / "b.tar"))
    assert manifest["format"] == 1
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["counts"]["tickets"] == Ticket.objects.count() == 4
    assert manifest["counts"]["events"] == TicketEvent.objects.count()
    assert manifest["counts"]["attachments"] == 4
    media_files = {name for name in manifest["files"] if name.startswith("media/")}
    assert media_files == {f"media/{a.file.name}" for a in Attachment.objects.all()}
    for entry in manifest["files"].values():
        assert len(entry["sha256"]) == 64 and entry["size"] > 0
    assert "tickets.0001_initial" in manifest["migrations"]
    assert len(manifest["checksum"]) == 64


def test_a_database_with_data_is_only_overwritten_with_force(history, media, target, tmp_path):
    archive = backup_to(tmp_path / "b.tar")
    assert target.restore(archive).returncode == 0
    events = target.rows(EVENTS_SQL[connection.vendor])
    (target.media / "stray.txt").write_text("kept aside, not deleted")

    again = target.restore(archive)
    assert again.returncode != 0
    assert "--force" in again.stderr and "已有数据" in again.stderr
    assert target.rows(EVENTS_SQL[connection.vendor]) == events

    forced = target.restore(archive, "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.rows(EVENTS_SQL[connection.vendor]) == events
    assert not (target.media / "stray.txt").exists()
    [aside] = [
        p for p in target.media.parent.iterdir() if p.name.startswith("restored-media.before-restore-")
    ]
    assert (aside / "stray.txt").read_text() == "kept aside, not deleted"


def test_restoring_over_the_live_database_is_refused_and_changes_nothing(history, media, tmp_path):
    archive = backup_to(tmp_path / "b.tar")
    register(history[0].registered_by)  # the live database moves on after the backup
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()
    with pytest.raises(CommandError, match="已有数据"):
        call_command("restore", str(archive), stdout=io.StringIO())
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events) == (5, events)


def test_a_damaged_archive_is_refused_before_anything_changes(history, media, target, tmp_path):
    archive = backup_to(tmp_path / "b.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.endswith(".png"):
                data = data[:-1] + bytes([data[-1] ^ 0xFF])  # one flipped byte
            out.addfile(member, io.BytesIO(data))
    result = target.restore(damaged)
    assert result.returncode != 0
    assert "校验和不符" in result.stderr
    assert target.tables() == 0 and not target.media.exists()


def test_an_archive_from_the_other_kind_of_database_is_refused(history, media, target, tmp_path):
    archive = backup_to(tmp_path / "b.tar")
    other = tmp_path / "other.tar"
    with tarfile.open(archive) as source, tarfile.open(other, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == MANIFEST:
                manifest = json.loads(data)
                manifest["database"]["vendor"] = (
                    "sqlite" if connection.vendor == "postgresql" else "postgresql"
                )
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    result = target.restore(other)
    assert result.returncode != 0
    assert "同一种数据库" in result.stderr
    assert target.tables() == 0


def test_backup_never_overwrites_an_existing_file(history, media, tmp_path):
    existing = tmp_path / "keep.tar"
    existing.write_bytes(b"precious")
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", str(existing), stdout=io.StringIO())
    assert existing.read_bytes() == b"precious"


def test_backup_into_a_directory_names_the_file_by_time(history, media, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    call_command("backup", str(folder), stdout=io.StringIO())
    [made] = list(folder.iterdir())
    assert made.name.startswith("hotline-backup-") and made.suffix == ".tar"
    assert read_manifest(made)["counts"]["tickets"] == 4


def test_restore_of_a_missing_file_says_so(tmp_path, db):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "nope.tar"), stdout=io.StringIO())
