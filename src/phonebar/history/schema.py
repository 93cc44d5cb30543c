"""The history database's schema and its versions, kept in ``PRAGMA user_version``.

``MIGRATIONS[n]`` takes a database from version ``n`` to ``n + 1``; each runs in
its own transaction together with the version bump, so a crash mid-migration
leaves the previous version intact. A database whose version is newer than
this code knows is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: the calls, and a small key/value table (also used to prove the file is writable)
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL,
        number TEXT NOT NULL,
        name TEXT NOT NULL,
        uri TEXT NOT NULL,
        account TEXT NOT NULL,
        sip_call_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        answered_at TEXT,
        ended_at TEXT NOT NULL,
        duration REAL NOT NULL,
        end_reason TEXT NOT NULL,
        sip_status INTEGER,
        transfer_target TEXT,
        transferred_from TEXT,
        headers TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX calls_by_number ON calls (number);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)
VERSION = len(MIGRATIONS)


class SchemaError(Exception):
    """The file is not a history database this version of phonebar can use."""


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to :data:`VERSION`; returns the version it had. The connection
    must be in autocommit mode (``isolation_level=None``)."""
    found = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if found > VERSION:
        raise SchemaError(
            f"schema version {found} was written by a newer phonebar (this one knows up to {VERSION})"
        )
    if found == 0:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if tables:
            raise SchemaError(f"it holds tables ({', '.join(tables[:5])}) but is not a phonebar history")
    for version in range(found, VERSION):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return found


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]
