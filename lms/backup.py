"""Backup and restore of the embedded default: the SQLite database and the media folder.

The database is copied with SQLite's online backup API, so a backup taken
while the site serves requests is consistent (a plain file copy of a WAL
database is not). A backup is one ``.tar.gz`` holding ``db.sqlite3``,
``media/`` and ``manifest.json`` (the row count of every table, which the
restore checks). PostgreSQL sites use ``pg_dump``/``pg_restore`` instead.
"""

from __future__ import annotations

import datetime
import json
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.errors import ServiceError

MANIFEST = "manifest.json"
DATABASE = "db.sqlite3"
MEDIA = "media"


def _require_sqlite() -> None:
    if connection.vendor != "sqlite":
        raise ServiceError(
            "not_sqlite",
            "This site runs on PostgreSQL: back it up with pg_dump -Fc and restore with pg_restore "
            "(see README, Backup and restore); copy the media storage with its own tools.",
        )


def _row_counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in sorted(tables)}  # noqa: S608


def _live_connection() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def backup_create(*, destination: Path) -> Path:
    """Write a consistent backup of the database and media to ``destination`` (a directory or a .tar.gz path)."""
    _require_sqlite()
    if destination.suffix != ".gz":
        destination.mkdir(parents=True, exist_ok=True)
        destination = destination / f"tdkt-{datetime.datetime.now():%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        copy_path = Path(work) / DATABASE
        copy = sqlite3.connect(copy_path)
        try:
            _live_connection().backup(copy)
            counts = _row_counts(copy)
        finally:
            copy.close()
        manifest = {
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "tables": counts,
        }
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        with tarfile.open(destination, "w:gz") as archive:
            archive.add(copy_path, arcname=DATABASE)
            archive.add(Path(work) / MANIFEST, arcname=MANIFEST)
            media_root = Path(settings.MEDIA_ROOT)
            if media_root.is_dir():
                archive.add(media_root, arcname=MEDIA)
    return destination


def backup_restore(*, source: Path) -> dict[str, int]:
    """Replace the database and media with a backup's; returns the restored row counts.

    The archive is checked (members, manifest, row counts of the copy) before
    anything live is touched.
    """
    _require_sqlite()
    with tempfile.TemporaryDirectory() as work, tarfile.open(source, "r:gz") as archive:
        names = archive.getnames()
        if DATABASE not in names or MANIFEST not in names:
            raise ServiceError("not_a_backup", f"{source} is not a backup made by manage.py backup.")
        archive.extractall(work, filter="data")  # refuses absolute paths, links out, devices
        manifest = json.loads((Path(work) / MANIFEST).read_text(encoding="utf-8"))
        copy = sqlite3.connect(Path(work) / DATABASE)
        try:
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ServiceError("corrupt", f"The database in {source} fails SQLite's integrity check.")
            if _row_counts(copy) != manifest["tables"]:
                raise ServiceError("incomplete", f"The database in {source} does not match its manifest.")
            copy.backup(_live_connection())
        finally:
            copy.close()
        media = Path(work) / MEDIA
        media_root = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            if media_root.exists():
                shutil.rmtree(media_root)
            shutil.copytree(media, media_root)
    return manifest["tables"]
