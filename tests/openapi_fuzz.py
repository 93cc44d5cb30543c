"""Fuzzing the API from its own OpenAPI document with schemathesis (tests/api, in-process,
over the FakeEngine: a real daemon would dial the random hosts of random ``sip:`` URIs).

Every operation but the event stream gets schema-valid and schema-invalid requests;
each answer is checked by schemathesis' default checks (never a 5xx; status, content
type, headers and body as documented). Random sessionIds only ever find nothing, so
every other valid request names live calls instead (two are kept up), and before a
request that could take a line the calls are hung up, so a line-limit 503 never hides
a real server error.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.schemas import BaseSchema

TAKES_A_LINE = ("/api/originate", "/api/answer")
SESSION_PARAMETERS = ("session_id", "partner_session_id")


@dataclass
class FuzzReport:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    on_live_calls: int = 0
    operations_in_schema: int = 0
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, status_class: int) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status // 100 == status_class)


class LiveCalls:
    """Keeps two calls up (dialling ``number``) and hands out their sessionIds."""

    def __init__(self, schema: BaseSchema, number: str) -> None:
        self._list = schema["/api/calls"]["GET"].Case()
        self._dial = schema["/api/originate/{number}"]["GET"].Case(path_parameters={"number": number})
        self._hang_up = schema["/api/hangup"]["GET"].Case()

    def session_ids(self) -> list[str]:
        for _ in range(4):
            calls = self._list.call().json()
            if any(call["state"] == "transferring" for call in calls):
                self.hang_up()  # a transfer in flight blocks most commands: start afresh
                continue
            if len(calls) >= 2:
                break
            self._dial.call()
        return [call["sessionId"] for call in calls]

    def hang_up(self) -> None:
        self._hang_up.call()


def fuzz(schema: BaseSchema, *, examples: dict[GenerationMode, int], number: str) -> FuzzReport:
    """Up to ``examples[mode]`` cases per operation and mode; raises on the first failed check.
    ``number`` is something the daemon can really call (to keep live calls up)."""
    report = FuzzReport()
    live = LiveCalls(schema, number)
    started = time.monotonic()
    for result in schema.exclude(path="/api/events").get_all_operations():  # a stream: tested apart
        operation = result.ok()
        report.operations_in_schema += 1
        for mode, count in examples.items():
            _fuzz_operation(operation, mode, count, live, report)
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(
    operation: APIOperation, mode: GenerationMode, count: int, live: LiveCalls, report: FuzzReport
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run: a failure reproduces
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    def run(case: Case) -> None:
        if case.path.startswith(TAKES_A_LINE):
            live.hang_up()
        names = [name for name in SESSION_PARAMETERS if name in (case.path_parameters or {})]
        if names and mode is GenerationMode.POSITIVE and report.requests % 2:
            ids = live.session_ids()
            turn = report.on_live_calls % max(1, len(ids))
            ids = ids[turn:] + ids[:turn]  # the held call, then the talking one, and so on
            for name, session_id in zip(names, ids, strict=False):
                assert case.path_parameters is not None
                case.path_parameters[name] = session_id
            report.on_live_calls += 1
        response = case.call()
        report.statuses[(mode.value, response.status_code)] += 1
        report.operations[f"{case.method} {case.path}"] += 1
        case.validate_response(response)

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # an operation without parameters has no invalid input
