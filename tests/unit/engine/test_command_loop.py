"""The engine thread's work queue: which exceptions go to the caller, which end the engine."""

from __future__ import annotations

import threading

import pytest

from phonebar.engine.command_loop import CommandLoop, is_fatal
from phonebar.errors import CallNotFound


def raise_(exc: BaseException) -> None:
    raise exc


def test_results_and_ordinary_errors_go_to_the_caller_and_the_loop_goes_on() -> None:
    loop = CommandLoop()
    ok = loop.submit(lambda: 42)
    ours = loop.submit(lambda: raise_(CallNotFound("x-1")))
    bug = loop.submit(lambda: raise_(AttributeError("a bug")))
    after = loop.submit(lambda: "still running")
    assert loop.run_pending() == 4
    assert ok.result() == 42
    assert isinstance(ours.exception(), CallNotFound)
    assert isinstance(bug.exception(), AttributeError)
    assert after.result() == "still running"


@pytest.mark.parametrize("fatal", [MemoryError("out of memory"), SystemExit(3), KeyboardInterrupt()])
def test_a_fatal_error_fails_its_caller_and_is_raised_into_the_engine_loop(fatal: BaseException) -> None:
    loop = CommandLoop()
    doomed = loop.submit(lambda: raise_(fatal))
    queued = loop.submit(lambda: "never runs")
    with pytest.raises(type(fatal)):
        loop.run_pending()
    error = doomed.exception()
    assert isinstance(error, RuntimeError)
    assert "the SIP engine failed" in str(error)
    # the engine thread's clean-up closes the queue: whatever waited is told, nothing hangs
    loop.close("the engine has stopped")
    assert isinstance(queued.exception(timeout=1), RuntimeError)
    late = loop.submit(lambda: "too late")
    assert isinstance(late.exception(timeout=1), RuntimeError)


def test_what_counts_as_fatal() -> None:
    assert is_fatal(MemoryError())
    assert is_fatal(SystemExit())
    assert is_fatal(KeyboardInterrupt())
    assert not is_fatal(RuntimeError())
    assert not is_fatal(CallNotFound("x"))


def test_a_cancelled_command_is_skipped() -> None:
    loop = CommandLoop()
    ran: list[int] = []
    future = loop.submit(lambda: ran.append(1))
    assert future.cancel()
    loop.run_pending()
    assert ran == []


class Tracked:
    """Records the thread it is destroyed on (as a pjsua2 object's destructor would run there)."""

    def __init__(self, log: list[str]) -> None:
        self._log = log

    def __del__(self) -> None:
        self._log.append(threading.current_thread().name)


def test_an_error_leaves_the_engine_thread_without_the_objects_its_frames_held() -> None:
    loop = CommandLoop()
    destroyed: list[str] = []

    def failing_command() -> None:
        call = Tracked(destroyed)  # what a command's frame holds: the SipCall it worked on
        try:
            raise KeyError(id(call))
        except KeyError:
            raise CallNotFound("x-1") from None  # as pj_errors translates, with a __context__

    future = loop.submit(failing_command)
    engine = threading.Thread(target=loop.run_pending, name="pjsip")
    engine.start()
    engine.join(timeout=5)
    error = future.exception(timeout=1)
    assert isinstance(error, CallNotFound)
    assert destroyed == ["pjsip"]  # released on the engine thread, not by whoever drops the error
    assert error.__traceback__ is not None  # the traceback itself is kept, for the log
