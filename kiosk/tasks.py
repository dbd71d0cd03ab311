"""The one way to run blocking work (after Anki's task manager).

``TaskRunner.run(lane, fn, on_done, on_error)`` runs ``fn`` off the GUI
thread and delivers the result to ``on_done`` (or the exception to
``on_error``) *through the poster*, which the UI sets to "run this on the GUI
thread". Lanes:

- ``"http"``: a small pool, backend calls may overlap;
- any other name (``"lift"``, ``"vision"``, ``"camera"``...): one serial
  executor per device, so commands to one device never interleave.

A failure with no ``on_error`` goes to the error presenter, so nothing fails
silently. The core never imports Qt: without a UI the poster is a
``CallbackQueue`` that the caller drains.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from common.errors import KioskError, Reason

log = logging.getLogger(__name__)

T = TypeVar("T")
Poster = Callable[[Callable[[], None]], None]
ErrorPresenter = Callable[[KioskError], None]

HTTP_LANE = "http"


class CallbackQueue:
    """A poster for code without an event loop (CLI, tests): callbacks queue
    up until ``drain`` runs them on the draining thread."""

    def __init__(self) -> None:
        self._q: queue.Queue[Callable[[], None]] = queue.Queue()

    def __call__(self, callback: Callable[[], None]) -> None:
        self._q.put(callback)

    def drain(self, timeout_s: float = 0.0) -> int:
        """Run queued callbacks; wait up to ``timeout_s`` for the first one."""
        ran = 0
        try:
            cb = self._q.get(timeout=timeout_s) if timeout_s > 0 else self._q.get_nowait()
        except queue.Empty:
            return 0
        while True:
            cb()
            ran += 1
            try:
                cb = self._q.get_nowait()
            except queue.Empty:
                return ran


def as_kiosk_error(exc: BaseException) -> KioskError:
    """Wrap anything unexpected so presenters only ever see KioskError."""
    if isinstance(exc, KioskError):
        return exc
    return KioskError(f"{type(exc).__name__}: {exc}", reason=Reason.INTERNAL,
                      type=type(exc).__name__)


class TaskRunner:
    def __init__(self, poster: Poster, presenter: ErrorPresenter | None = None,
                 http_workers: int = 4) -> None:
        self._poster = poster
        self._presenter = presenter or self._log_error
        self._http_workers = http_workers
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._closed = False

    def set_presenter(self, presenter: ErrorPresenter) -> None:
        self._presenter = presenter

    def set_poster(self, poster: Poster) -> None:
        self._poster = poster

    def _executor(self, lane: str) -> ThreadPoolExecutor:
        with self._lock:
            if self._closed:
                raise KioskError("task runner is shut down", reason=Reason.INTERNAL)
            ex = self._executors.get(lane)
            if ex is None:
                workers = self._http_workers if lane == HTTP_LANE else 1
                ex = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"task-{lane}")
                self._executors[lane] = ex
            return ex

    def run(self, lane: str, fn: Callable[[], T],
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[KioskError], None] | None = None) -> Future[T]:
        """Run ``fn`` on ``lane``; callbacks arrive through the poster."""

        def finished(fut: Future[T]) -> None:
            if fut.cancelled():
                return
            exc = fut.exception()
            if exc is None:
                if on_done is not None:
                    result = fut.result()
                    self._post(lambda: on_done(result))
                return
            err = as_kiosk_error(exc)
            if not isinstance(exc, KioskError):
                log.error("task on %s failed unexpectedly", lane, exc_info=exc)
            handler = on_error or self._presenter
            self._post(lambda: handler(err))

        fut = self._executor(lane).submit(fn)
        fut.add_done_callback(finished)
        return fut

    def post(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the GUI thread (via the poster), from any thread."""
        self._post(callback)

    def posted(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Wrap ``fn`` so calling it from a worker runs it on the GUI thread."""
        return lambda *args: self._post(lambda: fn(*args))

    def _post(self, callback: Callable[[], None]) -> None:
        try:
            self._poster(callback)
        except RuntimeError:
            # The GUI is gone (app closing): nothing left to deliver to.
            log.debug("dropped a callback after the poster closed")

    def shutdown(self, wait: bool = True) -> None:
        with self._lock:
            self._closed = True
            executors = list(self._executors.values())
            self._executors.clear()
        for ex in executors:
            ex.shutdown(wait=wait, cancel_futures=True)

    @staticmethod
    def _log_error(err: KioskError) -> None:
        log.error("unhandled task error: %s", err.to_dict())


def call_quietly(fn: Callable[..., Any], *args: Any) -> None:
    """Run a listener and log (not raise) its failure: one broken subscriber
    must not stop the others from hearing about a state change."""
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - logged with traceback, see docstring
        log.exception("listener %r failed", fn)
