"""The ``open_url`` action: the default browser, in a new tab, through Python's ``webbrowser``.

``webbrowser`` honours ``$BROWSER`` (a list of commands separated by ``:``; an
argument ``%s`` is replaced by the URL, else the URL is appended) and otherwise
finds the desktop's browser (``xdg-open``, ``gio``, Firefox, Chromium ...).
Opening can block (a ``$BROWSER`` command is waited for), so it runs in a
daemon thread of its own: the asyncio loop waits at most ``timeout`` seconds for
it, and at most ``max_threads`` openings run at once, so a browser that never
returns cannot pile threads up; further openings fail until one returns.
"""

from __future__ import annotations

import asyncio
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from phonebar.cti.rules import ActionFailed, Firing
from phonebar.cti.variables import CallVariables

Opener = Callable[[str], bool]


def open_in_new_tab(url: str) -> bool:
    return webbrowser.open(url, new=2)


@dataclass(frozen=True)
class BrowserOptions:
    timeout: float = 10.0
    max_threads: int = 4


class BrowserLauncher:
    def __init__(self, options: BrowserOptions, opener: Opener = open_in_new_tab) -> None:
        self._options = options
        self._opener = opener
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        return self._running

    async def open(self, firing: Firing) -> str:
        rule = firing.rule
        assert rule.url is not None
        url = rule.url.render_url(CallVariables.of(firing.trigger.value, firing.event))
        with self._lock:
            if self._running >= self._options.max_threads:
                raise ActionFailed(
                    f"{self._running} browser openings have not returned yet: not opening another"
                )
            self._running += 1
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bool] = loop.create_future()

        def settle(result: bool | BaseException) -> None:
            if done.done():
                return
            if isinstance(result, BaseException):
                done.set_exception(result)
            else:
                done.set_result(result)

        def work() -> None:
            result: bool | BaseException
            try:
                result = self._opener(url)
            except Exception as exc:  # reported to the loop, which logs and counts it
                result = exc
            finally:
                with self._lock:
                    self._running -= 1
            try:
                loop.call_soon_threadsafe(settle, result)
            except RuntimeError:
                pass  # the loop is closed: the daemon is exiting

        threading.Thread(target=work, name="cti-browser", daemon=True).start()
        try:
            opened = await asyncio.wait_for(asyncio.shield(done), self._options.timeout)
        except TimeoutError:
            raise ActionFailed(f"the browser did not return within {self._options.timeout:g} s") from None
        except Exception as exc:
            raise ActionFailed(f"the browser failed: {exc}") from None
        if not opened:
            raise ActionFailed("no browser found (set $BROWSER, or install xdg-utils)")
        return f"opened {url.split('?', 1)[0]}"
