"""Latencies timed one iteration at a time, phonebar and baresip taking turns (which goes
first alternates, so a burst of load elsewhere on the machine hits both alike):

- click-to-dial: the HTTP request (phonebar) or ctrl_tcp ``dial`` (baresip) written, to the
  INVITE's arrival at a raw UDP listener (kernel time stamp), no proxy in between;
- screen-pop: an INVITE sent straight to the phone, to the SSE ``call_created`` event and to
  the CTI webhook (phonebar), or to ctrl_tcp's ``CALL_INCOMING`` (baresip);
- call setup through Kamailio: the dial command, via the 407 digest challenge and the
  authenticated INVITE, to the ACK arriving at an answering UAS;
- one client's command round trip: ``GET /api/calls`` against ctrl_tcp ``listcalls``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bench.plan import Plan
from bench.results import LatencyRow, Side
from bench.stats import ms
from bench.testbed import CALLEE, CALLER_NUMBER, BenchBed

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[float]]
WEBHOOK_WAIT = 3.0


async def _alternate(plan: Plan, phonebar: Probe, baresip: Probe) -> tuple[list[float], list[float]]:
    ours: list[float] = []
    theirs: list[float] = []
    for index in range(plan.warmup + plan.iterations):
        pair = [(phonebar, ours), (baresip, theirs)]
        for probe, samples in pair if index % 2 == 0 else reversed(pair):
            value = await probe()
            if index >= plan.warmup:
                samples.append(value)
        # paced: PJSIP frees a closed socket's ioqueue slot only 500 ms later, and a burst of
        # dozens of calls within that time exhausts the slots and aborts the process
        await asyncio.sleep(0.05)
    return ours, theirs


async def click_to_dial(bed: BenchBed, plan: Plan) -> list[LatencyRow]:
    assert bed.api is not None
    assert bed.baresip.ctrl is not None
    api, ctrl, sink = bed.api, bed.baresip.ctrl, bed.sink
    target = f"sip:sink@127.0.0.1:{sink.port}"

    async def phonebar() -> float:
        request = asyncio.create_task(api.get(f"/api/originate/{target}"))
        invite = await asyncio.wait_for(sink.invites.get(), 10)
        answer = await request
        if answer.status != 200:
            raise RuntimeError(f"originate: {answer.status} {answer.body[:200]!r}")
        await bed.phonebar_idle()
        return ms(answer.sent_ns, invite.ns)

    async def baresip() -> float:
        response, sent = ctrl.send("dial", target)
        invite = await asyncio.wait_for(sink.invites.get(), 10)
        await asyncio.wait_for(response, 5)
        await bed.baresip.hang_up_all()
        return ms(sent, invite.ns)

    ours, theirs = await _alternate(plan, phonebar, baresip)
    return [
        LatencyRow(
            "click_to_dial",
            "click-to-dial: command → INVITE at a UDP listener",
            Side.of(ours, "GET /api/originate/{uri}"),
            Side.of(theirs, "ctrl_tcp dial"),
        )
    ]


async def screen_pop(bed: BenchBed, plan: Plan) -> list[LatencyRow]:
    assert bed.phonebar is not None
    assert bed.sse is not None
    assert bed.baresip.ctrl is not None
    sse, ctrl, caller, webhook = bed.sse, bed.baresip.ctrl, bed.caller, bed.webhook
    phone_target = ("127.0.0.1", bed.phonebar.sip_port)
    webhooks: list[float] = []
    webhook_missing: str | None = None  # set once a webhook fails to arrive: then not measured

    async def phonebar() -> float:
        nonlocal webhook_missing
        sse.drain()
        webhook.drain()
        outgoing = caller.invite(phone_target)
        event = await sse.next("call_created", 10)
        number = event.data.get("call", {}).get("number")
        if number != CALLER_NUMBER:
            raise RuntimeError(f"call_created for {number!r}, expected {CALLER_NUMBER}")
        if webhook_missing is None:
            try:
                hit = await webhook.next(WEBHOOK_WAIT)
                if f"number={CALLER_NUMBER}" not in hit.path:
                    raise RuntimeError(f"webhook path {hit.path!r} lacks the caller's number")
                webhooks.append(ms(outgoing.sent_ns, hit.ns))
            except TimeoutError:
                webhook_missing = f"not available: no webhook arrived within {WEBHOOK_WAIT:.0f} s"
        await caller.cancel(outgoing)
        await bed.phonebar_idle()
        return ms(outgoing.sent_ns, event.ns)

    async def baresip() -> float:
        ctrl.drain()
        outgoing = caller.invite(bed.baresip.sip_target, bed.baresip.user)
        event = await ctrl.next("CALL_INCOMING", 10)
        await caller.cancel(outgoing)
        await bed.baresip.hang_up_all()
        return ms(outgoing.sent_ns, event.ns)

    ours, theirs = await _alternate(plan, phonebar, baresip)
    # the warm-up iterations' webhooks are in the list too: keep the measured ones only
    webhooks = webhooks[-plan.iterations :] if webhook_missing is None else []
    baresip_side = Side.of(theirs, "ctrl_tcp CALL_INCOMING")
    return [
        LatencyRow(
            "screen_pop_sse",
            "screen-pop: INVITE → event at a client",
            Side.of(ours, "SSE call_created"),
            baresip_side,
        ),
        LatencyRow(
            "screen_pop_webhook",
            "screen-pop: INVITE → CTI webhook at a local HTTP server",
            Side(missing=webhook_missing, label="webhook GET")
            if webhook_missing
            else Side.of(webhooks, "webhook GET"),
            Side(missing="baresip has no webhooks", label="(ctrl_tcp above)"),
        ),
    ]


async def call_setup(bed: BenchBed, plan: Plan) -> list[LatencyRow]:
    assert bed.api_registered is not None
    assert bed.baresip_registered.ctrl is not None
    api, ctrl, answerer = bed.api_registered, bed.baresip_registered.ctrl, bed.answerer
    target = f"sip:{CALLEE}@127.0.0.1"
    invites: dict[str, list[float]] = {"phonebar": [], "baresip": []}
    answers: dict[str, list[float]] = {"phonebar": [], "baresip": []}

    async def answered(sent_ns: int, who: str) -> float:
        call = await asyncio.wait_for(answerer.new_calls.get(), 10)
        await asyncio.wait_for(call.acked.wait(), 10)
        assert call.ack_ns is not None
        invites[who].append(ms(sent_ns, call.invite_ns))
        answers[who].append(ms(call.invite_ns, call.ack_ns))
        return ms(sent_ns, call.ack_ns)

    async def phonebar() -> float:
        answer = await api.get(f"/api/originate/{target}")
        if answer.status != 200:
            raise RuntimeError(f"originate: {answer.status} {answer.body[:200]!r}")
        value = await answered(answer.sent_ns, "phonebar")
        await bed.phonebar_hang_up(registered=True)
        return value

    async def baresip() -> float:
        response, sent = ctrl.send("dial", target)
        value = await answered(sent, "baresip")
        await asyncio.wait_for(response, 5)
        await bed.baresip_registered.hang_up_all()
        return value

    ours, theirs = await _alternate(plan, phonebar, baresip)
    skip = plan.warmup
    return [
        LatencyRow(
            "call_setup",
            "call setup via Kamailio (407 digest): dial → ACK at the callee",
            Side.of(ours, "GET /api/originate"),
            Side.of(theirs, "ctrl_tcp dial"),
        ),
        LatencyRow(
            "call_setup_invite",
            "  of which: dial → authenticated INVITE at the callee",
            Side.of(invites["phonebar"][skip:]),
            Side.of(invites["baresip"][skip:]),
        ),
        LatencyRow(
            "call_setup_answer",
            "  and: INVITE → ACK at the callee (its 200 and the ACK via Kamailio)",
            Side.of(answers["phonebar"][skip:]),
            Side.of(answers["baresip"][skip:]),
        ),
    ]


async def round_trip(bed: BenchBed, plan: Plan) -> list[LatencyRow]:
    """One client, one request at a time, the same asyncio client code on both sides."""
    assert bed.api is not None
    assert bed.baresip.ctrl is not None
    api, ctrl = bed.api, bed.baresip.ctrl
    ours: list[float] = []
    theirs: list[float] = []
    for index in range(plan.round_trips + 10):
        answer = await api.get("/api/calls")
        done_ns = time.time_ns()
        response, sent = ctrl.send("listcalls")
        await asyncio.wait_for(response, 5)
        theirs_ns = time.time_ns()
        if index >= 10:
            ours.append(ms(answer.sent_ns, done_ns))
            theirs.append(ms(sent, theirs_ns))
    return [
        LatencyRow(
            "round_trip",
            "command round trip, 1 client (Python asyncio client)",
            Side.of(ours, "GET /api/calls"),
            Side.of(theirs, "ctrl_tcp listcalls"),
        )
    ]
