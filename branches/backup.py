"""Backup and restore of the whole portal: the database AND the uploaded files, in one archive.

Archive layout (``.tar.gz``)::

    manifest.json     when, which database engine, row count of every table, sha256 of every file
    database.dump     PostgreSQL: pg_dump custom format (restored with pg_restore --clean)
    database.sqlite3  SQLite (development): a consistent copy made with SQLite's backup API
    media/...         MEDIA_ROOT (activity attachments, review evidence, renewal documents)

``verify`` compares the live database and files with a manifest: the drill test (and an
operator after a restore) expect zero differences.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"


class BackupError(Exception):
    pass


def _pg_env_and_args():
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args, connection.settings_dict["NAME"]


def _run(command, env=None):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
    return result


def table_counts():
    """Row count of every table of every installed model (including history and m2m tables)."""
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True) if model._meta.managed}
    )
    existing = set(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                counts[table] = cursor.fetchone()[0]
    return counts


def file_checksums(root=None):
    root = Path(root or settings.MEDIA_ROOT)
    sums = {}
    if root.exists():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                sums[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def create(destination=None):
    """Write a backup archive and return its path."""
    destination = Path(destination or settings.BACKUP_DIR)
    if destination.suffix != ".gz":
        destination.mkdir(parents=True, exist_ok=True)
        destination = destination / f"portal-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = {
            "created": datetime.now().isoformat(timespec="seconds"),
            "vendor": connection.vendor,
            "tables": table_counts(),
            "files": file_checksums(),
        }
        if connection.vendor == "postgresql":
            env, args, name = _pg_env_and_args()
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    *args,
                    "-f",
                    str(tmp / DUMP_NAME),
                    name,
                ],
                env,
            )
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(tmp / SQLITE_NAME)
            connection.connection.backup(target)  # consistent copy, also of an in-memory test db
            target.close()
        else:
            raise BackupError(f"unsupported database: {connection.vendor}")
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = destination.with_name(destination.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            for item in sorted(tmp.iterdir()):
                archive.add(item, arcname=item.name)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                archive.add(media, arcname="media")
        partial.replace(destination)  # a half-written archive never carries the final name
    return destination


def _safe_members(archive):
    for member in archive.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or member.issym() or member.islnk():
            raise BackupError(f"unsafe path in archive: {member.name}")
        yield member


def read_manifest(archive_path):
    with tarfile.open(archive_path, "r:gz") as archive:
        return json.load(archive.extractfile("manifest.json"))


def restore(archive_path):
    """Replace the database and MEDIA_ROOT with the archive's content; returns its manifest."""
    archive_path = Path(archive_path)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(tmp, members=list(_safe_members(archive)))
        manifest = json.loads((tmp / "manifest.json").read_text())
        if manifest["vendor"] != connection.vendor:
            raise BackupError(f"archive is from {manifest['vendor']}, this database is {connection.vendor}")
        if connection.vendor == "postgresql":
            connections.close_all()
            env, args, name = _pg_env_and_args()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    *args,
                    "-d",
                    name,
                    str(tmp / DUMP_NAME),
                ],
                env,
            )
        else:
            connection.ensure_connection()
            source = sqlite3.connect(tmp / SQLITE_NAME)
            source.backup(connection.connection)
            source.close()
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            for child in media.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        media.mkdir(parents=True, exist_ok=True)
        if (tmp / "media").exists():
            shutil.copytree(tmp / "media", media, dirs_exist_ok=True)
    return manifest


def verify(manifest):
    """Differences between the live portal and ``manifest`` (empty when identical)."""
    differences = []
    live_tables, live_files = table_counts(), file_checksums()
    for table, count in manifest["tables"].items():
        if live_tables.get(table) != count:
            differences.append(f"table {table}: {live_tables.get(table)} rows, backup has {count}")
    for name, digest in manifest["files"].items():
        if live_files.get(name) != digest:
            differences.append(f"file {name}: {'changed' if name in live_files else 'missing'}")
    for name in set(live_files) - set(manifest["files"]):
        differences.append(f"file {name}: not in the backup")
    return differences
