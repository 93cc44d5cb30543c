"""Start-up failures of the SIP engine end the daemon with exit 2 and a message, not an abort."""

from __future__ import annotations

import socket

from tests.e2e.conftest import PhoneFactory


def test_a_sip_port_in_use_exits_2_with_the_reason(phones: PhoneFactory) -> None:
    phone = phones("alice", start=False)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", phone.sip_port))
        assert phone.run_to_exit() == 2
    log = phone.log()
    assert f"sip.port: cannot listen for SIP/UDP on 127.0.0.1:{phone.sip_port}" in log
    assert "Assertion" not in log
