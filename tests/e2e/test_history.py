"""Call history end to end: every ended call is in /api/recents, and stays there after a
clean restart and after kill -9; a database phonebar cannot use stops it at start."""

from __future__ import annotations

import sqlite3
from typing import Any

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.event_streams import SseClient
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.waiting import wait_until


def recents(phone: PhonebarProcess, **params: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = phone.ok("/api/recents", **params)["calls"]
    return calls


def wait_recorded(phone: PhonebarProcess, session_id: str) -> dict[str, Any]:
    """Until the call is in the history (a row the API reads back is committed)."""
    return wait_until(
        lambda: next((call for call in recents(phone) if call["sessionId"] == session_id), None),
        timeout=10,
        what=f"call {session_id} in the history",
    )


def talk_and_hang_up(alice: PhonebarProcess, callee: str = "bob") -> str:
    call = alice.ok(f"/api/originate/sip:{callee}@127.0.0.1")["call"]
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    alice.ok(f"/api/hangup/{call['sessionId']}")
    alice.wait_no_calls()
    session_id: str = call["sessionId"]
    return session_id


def test_history_survives_a_restart_and_a_kill_9(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")

    answered = talk_and_hang_up(alice)
    row = wait_recorded(alice, answered)
    assert (row["direction"], row["number"], row["endReason"], row["sipStatus"]) == (
        "outbound",
        "bob",
        "local_hangup",
        200,
    )
    assert row["answeredAt"] is not None
    assert row["endedAt"] >= row["answeredAt"] >= row["createdAt"]

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    missed_call = alice.wait_call(state="ringing")
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    missed = wait_recorded(alice, missed_call["sessionId"])
    assert (missed["direction"], missed["number"], missed["name"]) == ("inbound", "carol", "Carol")
    assert (missed["endReason"], missed["answeredAt"], missed["duration"]) == ("missed", None, 0.0)
    before_restart = recents(alice)
    last_seq = alice.status()["events"]["lastSeq"]

    assert alice.stop() == 0
    alice.start()
    assert recents(alice) == before_restart
    # a client resuming from the previous run is told its position means nothing now
    resumed = SseClient(alice.base_url, last_event_id=last_seq)
    gap = resumed.wait_type("gap").event
    assert gap["after"] == last_seq
    assert gap["missedUntil"] < gap["after"]
    resumed.close()

    third = talk_and_hang_up(alice)
    wait_recorded(alice, third)
    alice.kill()
    alice.start()
    after_kill = recents(alice)
    assert [call["sessionId"] for call in after_kill] == [third, missed_call["sessionId"], answered]
    assert after_kill[1:] == before_restart

    # killed right after a hang-up: whatever was committed is there, and the file still opens
    fourth = talk_and_hang_up(alice)
    alice.kill()
    alice.start()
    survivors = [call["sessionId"] for call in recents(alice)]
    assert survivors[-3:] == [third, missed_call["sessionId"], answered]
    assert survivors[:-3] in ([], [fourth])
    assert alice.status()["history"]["state"] == "open"


def test_a_call_up_at_shutdown_is_recorded(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    assert alice.stop() == 0
    alice.start()
    [row] = recents(alice)
    assert (row["sessionId"], row["endReason"]) == (call["sessionId"], "shutdown")


def test_pages_of_recents(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    ids = [talk_and_hang_up(alice) for _ in range(3)]
    wait_recorded(alice, ids[-1])
    first = alice.ok("/api/recents", limit=2)
    assert [call["sessionId"] for call in first["calls"]] == [ids[2], ids[1]]
    second = alice.ok("/api/recents", limit=2, before=first["nextBefore"])
    assert [call["sessionId"] for call in second["calls"]] == [ids[0]]
    assert second["nextBefore"] is None


def test_an_unusable_history_database_stops_the_start_with_exit_2(phones: PhoneFactory) -> None:
    broken = phones("alice", start=False)
    path = broken.folder / "history.sqlite3"
    path.write_bytes(b"this is a note, not a database\n" * 300)
    assert broken.run_to_exit() == 2
    log = broken.log()
    assert f"history.path: {path}: the file is not an SQLite database" in log
    assert "Traceback" not in log
    assert path.read_bytes().startswith(b"this is a note")  # left as it was

    newer = phones("bob", start=False)
    connection = sqlite3.connect(newer.folder / "history.sqlite3")
    connection.execute("PRAGMA user_version = 42")
    connection.commit()
    connection.close()
    assert newer.run_to_exit() == 2
    assert "schema version 42 was written by a newer phonebar" in newer.log()

    blocked = phones("carol", start=False, settings={"history": {"path": str(path / "history.sqlite3")}})
    assert blocked.run_to_exit() == 2
    assert "cannot create its folder" in blocked.log()
