"""``hotline backup`` and ``hotline restore``: the database and the attachments in one archive.

The archive is a tar file (gzip-compressed when its name ends in ``.gz`` or ``.tgz``)::

    database/hotline.pgdump     PostgreSQL: pg_dump --format=custom
    database/hotline.sqlite3    SQLite: a copy made with SQLite's online backup API
    media/…                     every file under MEDIA_ROOT (the attachments)
    manifest.json               written last: format, version, time, database vendor, the
                                applied migrations, row counts, and every file's size and
                                SHA-256, with a checksum over that list

The database is copied first and the attachments after it: a file is saved before its
row commits, so every attachment the copy names is in the archive. On PostgreSQL the
counts in the manifest are taken in the very snapshot ``pg_dump`` reads
(``pg_export_snapshot``), so they match the dump exactly.

Restore checks every file against the manifest before it touches anything, refuses a
database that already holds data (or a MEDIA_ROOT with files) unless ``force``, loads
PostgreSQL in one transaction (``pg_restore`` piped into ``psql --single-transaction``:
a failed restore leaves the database as it was), and compares the row counts afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database/hotline.pgdump"
SQLITE_COPY = "database/hotline.sqlite3"
MEDIA = "media"
_CHUNK = 1024 * 1024

# Rows counted into the manifest and compared after a restore.
COUNTED_TABLES = {
    "tickets": "tickets_ticket",
    "events": "tickets_ticketevent",
    "attachments": "tickets_attachment",
    "links": "tickets_ticketlink",
    "messages": "notify_message",
    "return_visits": "followup_returnvisit",
    "units": "org_unit",
    "users": "auth_user",
}
# Any row in one of these means the database is in use (restore refuses without --force).
DATA_TABLES = ("auth_user", "org_unit", "tickets_ticket")

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


@dataclass
class Manifest:
    vendor: str
    database_file: str
    counts: dict[str, int]
    migrations: list[str]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: str = ""
    hotline_version: str = ""
    format: int = FORMAT

    def checksum(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            entry = self.files[name]
            digest.update(f"{name}\t{entry['size']}\t{entry['sha256']}\n".encode())
        return digest.hexdigest()

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "hotline_version": self.hotline_version,
            "created_at": self.created_at,
            "database": {"vendor": self.vendor, "file": self.database_file},
            "counts": self.counts,
            "migrations": self.migrations,
            "files": self.files,
            "checksum": self.checksum(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        try:
            manifest = cls(
                vendor=str(data["database"]["vendor"]),
                database_file=str(data["database"]["file"]),
                counts={str(k): int(v) for k, v in data["counts"].items()},
                migrations=[str(m) for m in data["migrations"]],
                files={str(k): dict(v) for k, v in data["files"].items()},
                created_at=str(data.get("created_at", "")),
                hotline_version=str(data.get("hotline_version", "")),
                format=int(data["format"]),
            )
            expected = str(data["checksum"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"备份清单(manifest.json)格式不对:{exc!r}") from exc
        if manifest.format != FORMAT:
            raise BackupError(f"不认识的备份格式版本 {manifest.format}(本程序读取版本 {FORMAT})")
        if manifest.checksum() != expected:
            raise BackupError("备份清单的校验和不符:清单已被改动")
        return manifest


def hotline_version() -> str:
    try:
        return version("hotline")
    except PackageNotFoundError:
        return "unknown"


def vendor() -> str:
    return str(connection.vendor)


# --- backup ----------------------------------------------------------------------------


def backup(dest: Path, *, say: Say = print) -> tuple[Path, Manifest]:
    """Write the archive; ``dest`` is a file name or an existing directory."""
    if dest.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        dest = dest / f"hotline-backup-{stamp}.tar"
    if dest.exists():
        raise BackupError(f"{dest} 已存在,不会覆盖")
    if not dest.parent.is_dir():
        raise BackupError(f"目录 {dest.parent} 不存在")
    partial = dest.with_name(dest.name + ".partial")
    staging = Path(tempfile.mkdtemp(prefix=".hotline-backup-", dir=dest.parent))
    try:
        if vendor() == "postgresql":
            db_file, counts, migrations = _dump_postgresql(staging / "db", say)
            database_member = PG_DUMP
        elif vendor() == "sqlite":
            db_file, counts, migrations = _copy_sqlite(staging / "db", say)
            database_member = SQLITE_COPY
        else:
            raise BackupError(f"不支持的数据库:{vendor()}")
        manifest = Manifest(
            vendor=vendor(),
            database_file=database_member,
            counts=counts,
            migrations=migrations,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            hotline_version=hotline_version(),
        )
        mode = "w:gz" if dest.name.endswith((".gz", ".tgz")) else "w"
        with tarfile.open(partial, mode) as tar:  # type: ignore[call-overload]
            manifest.files[database_member] = _add(tar, database_member, db_file)
            media_root = Path(settings.MEDIA_ROOT)
            n_media = 0
            for path in _media_files(media_root):
                name = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
                manifest.files[name] = _add(tar, name, path)
                n_media += 1
            say(f"附件文件:{n_media} 个")
            data = json.dumps(manifest.as_json(), ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            with tempfile.TemporaryFile() as buffer:
                buffer.write(data)
                buffer.seek(0)
                tar.addfile(info, buffer)
        os.replace(partial, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        partial.unlink(missing_ok=True)
    return dest, manifest


def _media_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


class _HashingReader:
    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    """Add one file, hashing it as it is read (each file is read once)."""
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o640
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        tar.addfile(info, reader)
    if reader.size != info.size:
        raise BackupError(f"{path} 在备份过程中被改动")
    return {"size": reader.size, "sha256": reader.digest.hexdigest()}


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for var, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
    ):
        if value:
            env[var] = str(value)
    env["PGDATABASE"] = str(db["NAME"])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"找不到 {name}:请安装 PostgreSQL 客户端(Debian: apt-get install postgresql-client)"
        )
    return found


def _count(cursor: Any, quote: Callable[[str], str]) -> dict[str, int]:
    counts = {}
    for label, table in COUNTED_TABLES.items():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[label] = int(cursor.fetchone()[0])
    return counts


def _applied_migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _dump_postgresql(out: Path, say: Say) -> tuple[Path, dict[str, int], list[str]]:
    pg_dump = _tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        # counts and pg_dump read one snapshot, so the manifest matches the dump exactly
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _count(cursor, connection.ops.quote_name)
        migrations = _applied_migrations(cursor)
        say(f"pg_dump({settings.DATABASES['default']['NAME']},快照 {snapshot})……")
        result = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-acl",
                f"--snapshot={snapshot}",
                "--file",
                str(out),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump 失败:{result.stderr.strip()}")
    return out, counts, migrations


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _copy_sqlite(out: Path, say: Say) -> tuple[Path, dict[str, int], list[str]]:
    source_path = _sqlite_path()
    if not source_path.exists():
        raise BackupError(f"数据库文件 {source_path} 不存在")
    say(f"SQLite 在线备份({source_path})……")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(out)
    try:
        source.backup(target)  # a consistent copy while others keep writing
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cursor = target.cursor()
        counts = _count(cursor, _sqlite_quote)
        migrations = _applied_migrations(cursor)
    finally:
        target.close()
        source.close()
    return out, counts, migrations


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- restore ---------------------------------------------------------------------------


def read_archive(src: Path, into: Path) -> Manifest:
    """Unpack ``src`` into ``into`` and check every file against the manifest."""
    if not src.is_file():
        raise BackupError(f"找不到备份文件 {src}")
    try:
        with tarfile.open(src, "r:*") as tar:
            for member in tar.getmembers():
                if not (member.isfile() or member.isdir()):
                    raise BackupError(f"备份中有不允许的条目:{member.name}")
                top = member.name.split("/", 1)[0]
                if top not in (MANIFEST, "database", MEDIA):
                    raise BackupError(f"备份中有不认识的条目:{member.name}")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件 {src}:{exc}") from exc
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupError("备份中没有清单(manifest.json):文件不完整或不是 hotline 备份")
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"备份清单无法解析:{exc}") from exc
    manifest = Manifest.from_json(data)
    found = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file() and p.name != MANIFEST}
    missing = sorted(set(manifest.files) - found)
    extra = sorted(found - set(manifest.files))
    if missing or extra:
        raise BackupError(f"备份内容与清单不符:缺少 {missing[:5]},多出 {extra[:5]}")
    for name, entry in manifest.files.items():
        path = into / name
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"文件 {name} 的校验和不符:备份已损坏或被改动")
    if manifest.database_file not in manifest.files:
        raise BackupError("备份中没有数据库文件")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def unknown_migrations(applied: list[str]) -> list[str]:
    """Migrations of this code's apps that the archive's database has and this code does not
    know: the backup comes from a newer version."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = {f"{app}.{name}" for app, name in loader.disk_migrations}
    return sorted(m for m in applied if m not in known and m.split(".", 1)[0] in loader.migrated_apps)


def database_in_use() -> dict[str, int]:
    """Rows in the tables that mean "this database holds data" (missing tables: none)."""
    found: dict[str, int] = {}
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                n = int(cursor.fetchone()[0])
                if n:
                    found[table] = n
    return found


def other_sessions() -> int:
    """Other connections to this PostgreSQL database (a server or worker still running)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def media_in_use(root: Path) -> int:
    return sum(1 for _ in _media_files(root))


def restore(src: Path, *, force: bool = False, say: Say = print) -> Manifest:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with _scratch(media_root.parent) as scratch:
        say(f"检查备份 {src}……")
        manifest = read_archive(src, scratch)
        if manifest.vendor != vendor():
            raise BackupError(
                f"备份来自 {manifest.vendor},当前数据库是 {vendor()}:"
                "请恢复到同一种数据库(迁移数据库请用 `hotline dumpdata`/`loaddata`)"
            )
        newer = unknown_migrations(manifest.migrations)
        if newer:
            raise BackupError(f"备份来自更新的版本(本程序不认识迁移 {', '.join(newer[:5])}):请先升级 hotline")
        in_use = database_in_use()
        n_media = media_in_use(media_root)
        if not force:
            if in_use:
                rows = "、".join(f"{table} {n} 行" for table, n in in_use.items())
                raise BackupError(f"目标数据库已有数据({rows}):确认要覆盖,请加 --force")
            if n_media:
                raise BackupError(f"附件目录 {media_root} 已有 {n_media} 个文件:确认要覆盖,请加 --force")
        if vendor() == "postgresql":
            sessions = other_sessions()
            if sessions and not force:
                raise BackupError(
                    f"还有 {sessions} 个连接在使用该数据库:"
                    "先停止 hotline serve 和 hotline worker(或加 --force)"
                )
            _restore_postgresql(scratch / manifest.database_file, say)
        else:
            _restore_sqlite(scratch / manifest.database_file, say)
        _restore_media(scratch / MEDIA, media_root, say)
        connections.close_all()
        with connection.cursor() as cursor:
            counts = _count(cursor, connection.ops.quote_name)
        if counts != manifest.counts:
            raise BackupError(f"恢复后的行数与清单不符:清单 {manifest.counts},数据库 {counts}")
    return manifest


@contextmanager
def _scratch(parent: Path) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=".hotline-restore-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _restore_postgresql(dump: Path, say: Say) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0] or "public"
    quoted = connection.ops.quote_name(schema)
    connections.close_all()
    say(f"pg_restore → {settings.DATABASES['default']['NAME']}(单个事务)……")
    env = _pg_env()
    # The old schema is dropped and the dump loaded in one transaction: all or nothing.
    reader = subprocess.Popen(
        [pg_restore, "--no-owner", "--no-acl", "--file", "-", str(dump)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    writer = subprocess.run(
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set",
            "ON_ERROR_STOP=1",
            "--command",
            f"DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted};",
            "--file",
            "-",
        ],
        env=env,
        stdin=reader.stdout,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader.stdout.close()
    reader_err = reader.stderr.read().decode(errors="replace") if reader.stderr else ""
    reader.wait()
    if reader.returncode != 0:
        raise BackupError(f"pg_restore 失败(数据库未改动):{reader_err.strip()}")
    if writer.returncode != 0:
        raise BackupError(f"psql 恢复失败(数据库未改动):{writer.stderr.strip()}")


def _restore_sqlite(copy: Path, say: Say) -> None:
    target_path = _sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    say(f"SQLite 恢复 → {target_path}……")
    source = sqlite3.connect(copy)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)  # replaces the whole database, in one step for readers
    finally:
        target.close()
        source.close()


def _restore_media(staged: Path, media_root: Path, say: Say) -> None:
    if not staged.is_dir():
        staged.mkdir(parents=True)
    if media_root.exists():
        if any(media_root.iterdir()):
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            aside = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
            os.replace(media_root, aside)
            say(f"原附件目录已移到 {aside}")
        else:
            media_root.rmdir()
    os.replace(staged, media_root)
    say(f"附件已恢复到 {media_root}")
