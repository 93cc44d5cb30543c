"""A sipp caller that answers our REFER with a chosen status and never sends NOTIFY."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.sipp import PEERS, Sipp


def refer_answering_caller(folder: Path, kamailio: Kamailio, callee: str, refer_status: str) -> Sipp:
    """dave calls ``callee`` through Kamailio; a REFER gets ``refer_status`` (``"202 Accepted"``,
    ``"603 Decline"``), re-INVITEs get 200 OK, and the scenario ends at the far end's BYE."""
    template = (PEERS / "sipp-uac-refer.xml.in").read_text()
    scenario = folder / f"sipp-uac-refer-{refer_status.split()[0]}.xml"
    scenario.write_text(template.replace("__REFER_STATUS__", refer_status))
    # phonebar sends the hold re-INVITE and the REFER back to back; sipp drops a request
    # that arrives while it is still answering another (instead of aborting the call) and
    # takes the REFER's retransmission half a second later
    return Sipp(
        folder, str(scenario), kamailio.address, "-s", callee, "-default_behaviors", "all,-abortunexp,-bye"
    )
