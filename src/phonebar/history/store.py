"""The call history in SQLite: every ended call, committed when it ends.

All SQLite work runs on one worker thread (``history``), which owns the one
connection, so neither the asyncio loop nor the engine thread ever waits for
the disk. The database runs in WAL mode with ``synchronous = FULL``: a call is
on disk once its commit returns, and a kill -9 loses nothing committed.

:meth:`SqliteHistory.open` checks everything that can be checked before the
first call: the folder can be created, the file is an SQLite database in good
shape (``quick_check``) with a schema this version knows, and it is writable.
Any failure there is a :class:`~phonebar.errors.ConfigError` naming the path,
so the daemon refuses to start instead of failing mid-call. A write that fails
later (a full disk) is logged and counted in ``/api/status``; the call is not
affected.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from phonebar.domain.events import CallEnded, Event
from phonebar.domain.serialize import iso
from phonebar.domain.states import Direction, EndReason
from phonebar.domain.views import HistoryStatsView, RecentCallView, RecentPage
from phonebar.errors import ConfigError
from phonebar.history.schema import VERSION, SchemaError, migrate

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
PRUNE_EVERY = 100
_INSERT = """
    INSERT INTO calls (
        session_id, direction, number, name, uri, account, sip_call_id, created_at, answered_at,
        ended_at, duration, end_reason, sip_status, transfer_target, transferred_from, headers
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_id) DO NOTHING
"""
_SELECT = """
    SELECT id, session_id, direction, number, name, uri, account, sip_call_id, created_at, answered_at,
           ended_at, duration, end_reason, sip_status, transfer_target, transferred_from, headers
    FROM calls WHERE id < ? ORDER BY id DESC LIMIT ?
"""


class SqliteHistory:
    """Implements :class:`~phonebar.domain.ports.HistoryPort`. ``path=None`` keeps no history."""

    def __init__(self, path: Path | None, *, keep: int = 100_000) -> None:
        self._path = path
        self._keep = keep
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._state = "disabled" if path is None else "closed"
        self._recorded = 0
        self._failures = 0
        self._last_failure: str | None = None

    # -- life cycle ------------------------------------------------------------------

    async def open(self) -> None:
        if self._path is None or self._executor is not None:
            return
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        try:
            await self._on_worker(self._open)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise
        self._state = "open"

    async def close(self) -> None:
        """Write what is queued, then close (what is queued at shutdown: the calls it hung up)."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        try:
            await asyncio.wait_for(asyncio.wrap_future(executor.submit(self._close)), 10.0)
        except TimeoutError:
            log.error("history: the database did not close within 10 s")
        executor.shutdown(wait=False)
        self._state = "closed"

    # -- the bus listener: record every ended call -----------------------------------

    def __call__(self, event: Event) -> None:
        if not isinstance(event, CallEnded) or self._executor is None:
            return
        row = _row(event)
        try:
            self._executor.submit(self._insert, row)
        except RuntimeError:  # shutting down
            log.error("history: call %s ended after the history closed; not recorded", row[0])

    # -- queries ---------------------------------------------------------------------

    async def recent(self, limit: int, before: int | None) -> RecentPage:
        if self._executor is None:
            return RecentPage(calls=[], next_before=None)
        return await self._on_worker(lambda: self._recent(limit, before))

    def stats(self) -> HistoryStatsView:
        return HistoryStatsView(
            state=self._state,
            path=str(self._path) if self._path else None,
            recorded=self._recorded,
            failures=self._failures,
            last_failure=self._last_failure,
        )

    # -- on the worker thread --------------------------------------------------------

    async def _on_worker(self, work: Callable[[], T]) -> T:
        assert self._executor is not None
        return await asyncio.wrap_future(self._executor.submit(work))

    def _open(self) -> None:
        assert self._path is not None
        path = self._path
        where = f"history.path: {path}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{where}: cannot create its folder ({exc.strerror})") from None
        if path.exists() and not path.is_file():
            raise ConfigError(f"{where}: is not a file")
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        except sqlite3.Error as exc:
            raise ConfigError(f"{where}: cannot open it ({exc})") from None
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            problems = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise SchemaError(f"the database is damaged ({'; '.join(problems[:3])})")
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise SchemaError(f"cannot switch it to WAL mode (it stays in {mode!r})")
            connection.execute("PRAGMA synchronous = FULL")
            found = migrate(connection)
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('opened_at', datetime('now')) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )
            count = connection.execute("SELECT count(*) FROM calls").fetchone()[0]
        except (sqlite3.Error, SchemaError) as exc:
            connection.close()
            hint = "move the file away (phonebar starts a new one) or set history.path"
            raise ConfigError(f"{where}: {_describe(exc)}; {hint}") from None
        self._connection = connection
        upgraded = f", schema upgraded from version {found}" if 0 < found < VERSION else ""
        log.info("history: %s (%d calls%s)", path, count, upgraded)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _insert(self, row: tuple[Any, ...]) -> None:
        assert self._connection is not None
        try:
            cursor = self._connection.execute(_INSERT, row)
            self._recorded += 1
            if cursor.lastrowid and cursor.lastrowid % PRUNE_EVERY == 0:
                self._connection.execute("DELETE FROM calls WHERE id <= ?", (cursor.lastrowid - self._keep,))
        except sqlite3.Error as exc:
            self._failures += 1
            self._last_failure = f"call {row[0]}: {exc}"
            log.error("history: call %s not recorded: %s", row[0], exc)

    def _recent(self, limit: int, before: int | None) -> RecentPage:
        assert self._connection is not None
        newest = before if before is not None else 2**63 - 1
        rows = self._connection.execute(_SELECT, (newest, limit + 1)).fetchall()
        calls = [_view(row) for row in rows[:limit]]
        return RecentPage(calls=calls, next_before=calls[-1].id if len(rows) > limit else None)


def _row(event: CallEnded) -> tuple[Any, ...]:
    call = event.call
    return (
        call.session_id,
        call.direction.value,
        call.number,
        call.name,
        call.uri,
        call.account,
        call.sip_call_id,
        iso(call.created_at),
        iso(call.answered_at) if call.answered_at else None,
        iso(call.ended_at or event.at),
        event.duration,
        event.reason.value,
        event.sip_status,
        call.transfer.target if call.transfer else None,
        call.transferred_from,
        json.dumps(call.headers, ensure_ascii=False),
    )


def _view(row: sqlite3.Row | tuple[Any, ...]) -> RecentCallView:
    (id_, session_id, direction, number, name, uri, account, sip_call_id, created_at, answered_at) = row[:10]
    (ended_at, duration, end_reason, sip_status, transfer_target, transferred_from, headers) = row[10:]
    return RecentCallView(
        id=id_,
        session_id=session_id,
        direction=Direction(direction),
        number=number,
        name=name,
        uri=uri,
        account=account,
        sip_call_id=sip_call_id,
        created_at=datetime.fromisoformat(created_at),
        answered_at=datetime.fromisoformat(answered_at) if answered_at else None,
        ended_at=datetime.fromisoformat(ended_at),
        duration=duration,
        end_reason=EndReason(end_reason),
        sip_status=sip_status,
        transfer_target=transfer_target,
        transferred_from=transferred_from,
        headers=json.loads(headers),
    )


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return "the file is not an SQLite database"
    if isinstance(exc, sqlite3.DatabaseError) and "malformed" in text:
        return f"the database is damaged ({text})"
    if isinstance(exc, sqlite3.Error) and ("readonly" in text or "read-only" in text):
        return "the file is read-only"
    return text
