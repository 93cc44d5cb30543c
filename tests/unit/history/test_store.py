"""The SQLite history: recording on its own thread, paging, restarts, and refusing bad files."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from phonebar.domain.events import CallEnded, CallStateChanged
from phonebar.domain.states import CallState, Direction, EndReason, TransferKind, TransferState
from phonebar.domain.views import TransferView
from phonebar.errors import ConfigError
from phonebar.history import store as store_module
from phonebar.history.schema import VERSION
from phonebar.history.store import SqliteHistory
from tests.unit.samples import T0, ended_view


def ended(number: int, **call: object) -> CallEnded:
    view = ended_view(
        session_id=f"k3f9q2-{number}",
        number=f"10{number:02d}",
        ended_at=T0 + timedelta(minutes=number),
        **call,
    )
    return CallEnded(
        call=view,
        reason=view.end_reason or EndReason.FAILED,
        sip_status=view.sip_status,
        duration=view.duration,
    )


async def flushed(history: SqliteHistory, count: int) -> None:
    for _ in range(200):
        if history.stats().recorded + history.stats().failures >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("history writes did not finish")


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[SqliteHistory]:
    history = SqliteHistory(tmp_path / "state" / "history.sqlite3")
    await history.open()
    yield history
    await history.close()


async def test_an_ended_call_is_recorded_with_every_field(history: SqliteHistory) -> None:
    transfer = TransferView(TransferKind.BLIND, "sip:2000@pbx.test", TransferState.SUCCEEDED, 200)
    event = ended(1, transfer=transfer, transferred_from="k3f9q2-0", end_reason=EndReason.TRANSFERRED)
    history(event)
    history(CallStateChanged(call=event.call, previous=CallState.CONNECTED))  # not an end: ignored
    await flushed(history, 1)
    page = await history.recent(10, None)
    [call] = page.calls
    assert page.next_before is None
    assert call.session_id == "k3f9q2-1"
    assert (call.direction, call.number, call.name) == (Direction.INBOUND, "1001", "Carol")
    assert call.created_at == T0
    assert call.answered_at == T0 + timedelta(seconds=4)
    assert call.ended_at == T0 + timedelta(minutes=1)
    assert (call.duration, call.end_reason, call.sip_status) == (12.3, EndReason.TRANSFERRED, 200)
    assert (call.transfer_target, call.transferred_from) == ("sip:2000@pbx.test", "k3f9q2-0")
    assert call.headers == {"X-Queue": "sales", "User-Agent": "Asterisk PBX"}
    assert history.stats().state == "open"


async def test_writes_run_on_the_history_thread(
    history: SqliteHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    insert = SqliteHistory._insert

    def spy(self: SqliteHistory, row: tuple[object, ...]) -> None:
        threads.append(threading.current_thread().name)
        insert(self, row)

    monkeypatch.setattr(SqliteHistory, "_insert", spy)
    history(ended(1))
    await flushed(history, 1)
    assert threads[0].startswith("history")
    assert threads[0] != threading.current_thread().name


async def test_pages_go_newest_first(history: SqliteHistory) -> None:
    for number in range(1, 8):
        history(ended(number))
    await flushed(history, 7)
    first = await history.recent(3, None)
    assert [call.session_id for call in first.calls] == ["k3f9q2-7", "k3f9q2-6", "k3f9q2-5"]
    second = await history.recent(3, first.next_before)
    assert [call.session_id for call in second.calls] == ["k3f9q2-4", "k3f9q2-3", "k3f9q2-2"]
    last = await history.recent(3, second.next_before)
    assert [call.session_id for call in last.calls] == ["k3f9q2-1"]
    assert last.next_before is None


async def test_calls_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    first = SqliteHistory(path)
    await first.open()
    first(ended(1))
    first(ended(2))
    await first.close()  # writes what is queued first
    second = SqliteHistory(path)
    await second.open()
    assert [call.session_id for call in (await second.recent(10, None)).calls] == ["k3f9q2-2", "k3f9q2-1"]
    await second.close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == VERSION
    connection.close()


async def test_old_calls_are_pruned_past_keep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "PRUNE_EVERY", 5)
    history = SqliteHistory(tmp_path / "history.sqlite3", keep=3)
    await history.open()
    for number in range(1, 11):
        history(ended(number))
    await flushed(history, 10)
    kept = [call.session_id for call in (await history.recent(100, None)).calls]
    await history.close()
    assert kept == ["k3f9q2-10", "k3f9q2-9", "k3f9q2-8"]


async def test_a_failed_write_is_counted_and_never_raises(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    history = SqliteHistory(path)
    await history.open()
    _sqlite(path, "DROP TABLE calls")  # the file changed under us: every insert now fails
    history(ended(1))
    await flushed(history, 1)
    stats = history.stats()
    assert (stats.recorded, stats.failures) == (0, 1)
    assert stats.last_failure is not None
    assert "no such table" in stats.last_failure
    await history.close()
    history(ended(2))  # after close: logged, not raised
    assert history.stats().state == "closed"


async def test_disabled_history_keeps_nothing() -> None:
    history = SqliteHistory(None)
    await history.open()
    history(ended(1))
    assert (await history.recent(10, None)).calls == []
    assert history.stats().state == "disabled"
    await history.close()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (
            lambda path: path.write_bytes(b"this is not a database, it is a note" * 200),
            "not an SQLite database",
        ),
        (lambda path: path.mkdir(), "is not a file"),
        (lambda path: _sqlite(path, "PRAGMA user_version = 99"), "schema version 99 was written by a newer"),
        (lambda path: _sqlite(path, "CREATE TABLE contacts (name TEXT)"), "holds tables (contacts)"),
        (lambda path: _damage(path), "damaged"),
    ],
)
async def test_an_unusable_file_is_a_clear_error_at_start(
    tmp_path: Path, prepare: object, message: str
) -> None:
    path = tmp_path / "history.sqlite3"
    prepare(path)  # type: ignore[operator]
    history = SqliteHistory(path)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        await history.open()
    assert str(path) in caught.value.message
    assert caught.value.message.startswith("history.path: ")


async def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot create its folder"):
        await SqliteHistory(tmp_path / "file" / "history.sqlite3").open()


def _sqlite(path: Path, statement: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute(statement)
    connection.commit()
    connection.close()


def _damage(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE filler (x TEXT)")
    connection.executemany("INSERT INTO filler VALUES (?)", [("y" * 500,) for _ in range(200)])
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    data = bytearray(path.read_bytes())
    data[4096 + 8 : 4096 + 600] = b"\xff" * 592  # the second page's header and cells
    path.write_bytes(bytes(data))
