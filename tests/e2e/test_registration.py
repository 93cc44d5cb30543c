"""Registration with Kamailio's digest auth: success, wrong password, un-REGISTER at SIGTERM."""

from __future__ import annotations

import signal

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.waiting import wait_until


def test_registers_with_digest_auth(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    registration = alice.status()["registration"]
    assert registration["state"] == "registered"
    assert registration["sipStatus"] == 200
    assert registration["expires"] > 0
    # the first REGISTER was challenged, the second carried credentials and was saved
    assert any(not entry.startswith("0|") for entry in kamailio.registrations("alice"))
    status = alice.status()
    assert status["account"]["user"] == "alice"
    assert "password" not in str(status).lower()


def test_wrong_password_shows_failed_with_the_sip_status(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones(
        "bob", kamailio=kamailio, user="bob", settings={"account": {"password": "not-bobs"}}, start=False
    )
    bob.start(wait_registered=False)
    registration = bob.wait_registration("failed")
    assert registration["sipStatus"] in (401, 403)
    assert registration["nextRetryIn"] is not None
    assert "not-bobs" not in bob.log()
    assert "not-bobs" not in str(bob.status())


def test_sigterm_unregisters_and_exits_zero(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    assert alice.process is not None
    alice.process.send_signal(signal.SIGTERM)
    assert alice.process.wait(timeout=15) == 0
    wait_until(
        lambda: any(
            entry.startswith("0|") or "expires=0" in entry for entry in kamailio.registrations("alice")
        ),
        timeout=5,
        what="an un-REGISTER (expires 0) from alice at Kamailio",
    )
