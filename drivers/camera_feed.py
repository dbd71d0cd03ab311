"""A camera that runs in its own process, at real-time pace, whatever the kiosk does.

A real camera takes a picture every frame period however busy the kiosk's
computer is: a busy kiosk sees *fewer* frames, never a slower world. A camera
rendered inside the kiosk's process does not behave like that. The demo
member is drawn by warping ~1,100 triangles, one OpenCV call each, and every
call gives up Python's GIL and must take it back; while any other kiosk
thread runs Python (the vision worker, the GUI), each take-back waits up to
the interpreter's 5 ms switch interval. Measured on this 2-core machine: a
14 ms render took 1.0 s beside one busy Python thread, and 2.5 s (up to
4.8 s) beside the vision worker with two busy processes running -- the
camera fell to 1-2 frames a second with gaps of seconds, and the member's
turn happened between two frames (issue #19).

``ProcessCamera(scene)`` plays a *scene* in a child process instead:

- the child asks ``RealtimePacer`` when the next picture is taken (a tick of
  the nominal fps), applies the commands sent before then, renders the
  scene *for that moment* and writes it, stamped with it, into a
  ``FrameRing`` (shared memory, a few slots); a render that overruns skips
  the ticks it missed -- frames dropped, as a camera's sensor runs on
  without a reader, never a member who moves slower;
- the kiosk side reads with ``FeedCapture`` (a ``StampedCapture``): the
  newest frame and when it was taken; frames it did not get to are gone.

A scene is any object built by ``module:attr(size=(w, h), **kwargs)`` in the
child with ``frame(t_mono) -> BGR image`` and ``command(name, *args)``;
``time.monotonic`` is one clock for every process of the machine, so a
command stamped in the kiosk means the same moment in the child. The scene
is named by a string so that this driver depends on nothing of the kiosk's
(the demo's scene lives in ``sim.stage``).
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import os
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import CameraError, Reason
from drivers.camera import CameraSource

log = logging.getLogger(__name__)

_MAGIC = 0x6B696F736B63616D  # "kioskcam"
_HDR = 8  # int64 words: magic, w, h, slots, latest seq, frames written, ticks dropped, commands
_LATEST, _WRITTEN, _DROPPED, _APPLIED = 4, 5, 6, 7
# How long one read waits for a frame before reporting a failed read (the
# camera's supervisor decides what a run of those means).
_READ_WAIT_S = 0.5
_POLL_S = 0.1


@dataclass(frozen=True)
class RingFrame:
    seq: int
    image: np.ndarray  # a private copy
    t_mono: float  # when it was taken


class FrameRing:
    """Fixed-size frames in a shared-memory file: one writer, readers that
    take the newest.

    Each slot carries its sequence number, set to -1 while the writer fills
    it (a seqlock): a reader copies the slot and keeps the copy only if the
    number was the same before and after."""

    def __init__(self, path: Path, size: tuple[int, int], slots: int, *, create: bool) -> None:
        w, h = size
        self.path, self.size, self.slots = path, (w, h), slots
        self._frame_bytes = w * h * 3
        meta = 8 * (_HDR + 2 * slots)
        self._data_off = (meta + 63) // 64 * 64
        total = self._data_off + slots * self._frame_bytes
        flags = os.O_RDWR | (os.O_CREAT | os.O_EXCL if create else 0)
        fd = os.open(path, flags, 0o600)
        try:
            if create:
                os.ftruncate(fd, total)
            self._mm = mmap.mmap(fd, total)
        finally:
            os.close(fd)
        buf = memoryview(self._mm)
        self._hdr = np.ndarray((_HDR,), np.int64, buf, 0)
        self._seqs = np.ndarray((slots,), np.int64, buf, 8 * _HDR)
        self._times = np.ndarray((slots,), np.float64, buf, 8 * (_HDR + slots))
        self._frames = np.ndarray((slots, h, w, 3), np.uint8, buf, self._data_off)
        if create:
            self._hdr[:] = (_MAGIC, w, h, slots, -1, 0, 0, 0)
            self._seqs[:] = -1
        elif self._hdr[0] != _MAGIC or tuple(self._hdr[1:4]) != (w, h, slots):
            raise CameraError(f"{path} is not a camera ring of {w}x{h}",
                              reason=Reason.CAMERA_UNAVAILABLE)

    @classmethod
    def create(cls, size: tuple[int, int], slots: int = 3) -> FrameRing:
        shm = Path("/dev/shm")
        folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
        path = folder / f"kiosk-camera-{os.getpid()}-{secrets.token_hex(4)}"
        return cls(path, size, slots, create=True)

    # -- writer ----------------------------------------------------------------
    def write(self, image: np.ndarray, t_mono: float) -> int:
        seq = int(self._hdr[_LATEST]) + 1
        k = seq % self.slots
        self._seqs[k] = -1
        frame = self._frames[k]
        if image.shape == frame.shape:
            frame[...] = image
        else:  # a scene of the wrong size: fit it rather than stop the camera
            import cv2

            frame[...] = cv2.resize(image, self.size, interpolation=cv2.INTER_AREA)
        self._times[k] = t_mono
        self._seqs[k] = seq
        self._hdr[_LATEST] = seq
        self._hdr[_WRITTEN] += 1
        return seq

    def count(self, word: int, by: int = 1) -> None:
        self._hdr[word] += by

    # -- readers ------------------------------------------------------------------
    @property
    def latest(self) -> int:
        return int(self._hdr[_LATEST])

    def read_newer(self, after_seq: int) -> RingFrame | None:
        """The newest frame if its number is above ``after_seq``."""
        for _ in range(4):  # the writer lapped us: try its newer frame
            seq = int(self._hdr[_LATEST])
            if seq <= after_seq:
                return None
            k = seq % self.slots
            if self._seqs[k] != seq:
                continue
            image = self._frames[k].copy()
            t = float(self._times[k])
            if self._seqs[k] == seq:
                return RingFrame(seq, image, t)
        return None

    def counters(self) -> dict[str, int]:
        return {"written": int(self._hdr[_WRITTEN]), "late_ticks": int(self._hdr[_DROPPED]),
                "commands": int(self._hdr[_APPLIED])}

    def close(self, unlink: bool = False) -> None:
        self._hdr = self._seqs = self._times = self._frames = None  # type: ignore[assignment]
        try:
            self._mm.close()
        except BufferError:  # a reader's view still alive: the OS frees it with the process
            pass
        if unlink:
            self.unlink()

    def unlink(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class RealtimePacer:
    """When a camera running at ``fps`` takes its next picture.

    Ticks are ``period`` apart from the first. When the caller comes back
    late (rendering overran), the ticks already past but one are dropped and
    counted: the next picture is the latest tick that has passed, so the
    scene is rendered for a moment within one period of now -- the world
    keeps its pace and the camera delivers fewer frames."""

    def __init__(self, fps: float, clock: Callable[[], float] = time.monotonic) -> None:
        if fps <= 0:
            raise ValueError("fps must be positive")
        self.period_s = 1.0 / fps
        self._clock = clock
        self._next: float | None = None
        self.dropped = 0

    def next_capture(self) -> float:
        now = self._clock()
        if self._next is None:
            self._next = now
        elif now - self._next >= self.period_s:
            missed = int((now - self._next) / self.period_s)
            self._next += missed * self.period_s
            self.dropped += missed
        t = self._next
        self._next = t + self.period_s
        return t


Command = tuple[str, tuple[Any, ...]]


def play(scene: Any, write: Callable[[np.ndarray, float], None], pacer: RealtimePacer,
         poll: Callable[[float], Command | None], clock: Callable[[], float],
         frames: int | None = None) -> int:
    """The camera's loop: wait for the next tick (taking commands meanwhile),
    render the scene for that moment, write it. Returns the frames written
    when ``frames`` are done or a ``("stop", ())`` command arrives.

    ``poll(timeout_s)`` returns the next command or None once ``timeout_s``
    has passed; everything else is the scene's."""
    written = 0
    while frames is None or written < frames:
        t = pacer.next_capture()
        while True:  # commands sent before the picture is taken act on it
            cmd = poll(max(0.0, t - clock()))
            if cmd is None:
                if clock() >= t:
                    break
                continue
            name, args = cmd
            if name == "stop":
                return written
            try:
                scene.command(name, *args)
            except Exception:  # noqa: BLE001 - a bad command must not stop the camera
                log.exception("camera scene: command %s failed", name)
        if clock() - t >= pacer.period_s:
            continue  # a command took long (a member to build): that moment has passed
        write(scene.frame(t), t)
        written += 1
    return written


# -- the child process ------------------------------------------------------------
def _load(factory: str) -> Callable[..., Any]:
    import importlib

    module, _, attr = factory.partition(":")
    return getattr(importlib.import_module(module), attr)


def _child(factory: str, kwargs: dict[str, Any], ring_path: str, size: tuple[int, int],
           slots: int, fps: float, commands: Connection, notify: Connection) -> None:
    # The kiosk owns this process: Ctrl-C in a terminal is the kiosk's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("GLOG_minloglevel", "2")
    ring = FrameRing(Path(ring_path), size, slots, create=False)
    os.set_blocking(notify.fileno(), False)
    scene = _load(factory)(size=size, **kwargs)
    pacer = RealtimePacer(fps)

    def poll(timeout_s: float) -> Command | None:
        try:
            if not commands.poll(timeout_s):
                return None
            cmd = commands.recv()
        except (EOFError, OSError):
            return ("stop", ())  # the kiosk is gone
        ring.count(_APPLIED)
        return cmd

    def write(image: np.ndarray, t: float) -> None:
        ring.write(image, t)
        ring.count(_DROPPED, pacer.dropped)
        pacer.dropped = 0
        try:
            notify.send_bytes(b"")
        except BlockingIOError:
            pass  # the reader is behind: it will find the newest frame anyway

    try:
        play(scene, write, pacer, poll, time.monotonic)
    finally:
        close = getattr(scene, "close", None)
        if close is not None:
            close()
        ring.close()


class FeedCapture:
    """One opening of a ``ProcessCamera``: the newest frame and when it was taken."""

    def __init__(self, camera: ProcessCamera) -> None:
        self._camera = camera
        self._released = threading.Event()
        self._last_seq = camera.ring.latest  # a fresh opening starts from now
        self.unread = 0  # frames the camera took that this reader never got to

    def read_stamped(self) -> tuple[np.ndarray | None, float]:
        deadline = time.monotonic() + _READ_WAIT_S
        while not self._released.is_set():
            got = self._camera.ring.read_newer(self._last_seq)
            if got is not None:
                self.unread += max(0, got.seq - self._last_seq - 1)
                self._last_seq = got.seq
                return got.image, got.t_mono
            left = deadline - time.monotonic()
            if left <= 0 or not self._camera.alive:
                break
            self._camera.wait_notified(min(left, _POLL_S))
        return None, time.monotonic()

    def read(self) -> np.ndarray | None:
        return self.read_stamped()[0]

    def release(self) -> None:
        self._released.set()


class ProcessCamera:
    """A scene played at real-time pace in a child process (see the module doc).

    ``start()`` spawns it; ``send(name, *args)`` passes a command to the
    scene (thread-safe); ``capture()`` is an ``open_capture`` for
    ``CameraSource``; ``stop()`` ends the process and frees the ring."""

    def __init__(self, factory: str, kwargs: dict[str, Any] | None = None, *,
                 size: tuple[int, int] = (1280, 720), fps: float = 30.0, slots: int = 3,
                 name: str = "camera-feed") -> None:
        self.factory, self.kwargs = factory, dict(kwargs or {})
        self.size, self.fps, self.slots, self.name = size, fps, slots, name
        self.ring: FrameRing | None = None  # type: ignore[assignment]
        self._proc: Any = None
        self._commands: Connection | None = None
        self._notify: Connection | None = None
        self._send_lock = threading.Lock()
        self._notify_lock = threading.Lock()
        self._sent = 0

    def start(self) -> ProcessCamera:
        if self._proc is not None:
            return self
        ctx = multiprocessing.get_context("spawn")  # never fork a process with threads
        self.ring = FrameRing.create(self.size, self.slots)
        cmd_r, cmd_w = ctx.Pipe(duplex=False)
        note_r, note_w = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, name=self.name, daemon=True,
                                 args=(self.factory, self.kwargs, str(self.ring.path), self.size,
                                       self.slots, self.fps, cmd_r, note_w))
        try:
            self._proc.start()
        except BaseException:
            self._proc = None
            self.ring.close(unlink=True)
            self.ring = None
            raise
        finally:
            cmd_r.close()
            note_w.close()
        self._commands, self._notify = cmd_w, note_r
        return self

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def wait_ready(self, timeout_s: float = 60.0) -> bool:
        """Wait for the first frame; the ring's file is unlinked then (both
        sides have it mapped), so nothing is left behind if the kiosk dies."""
        deadline = time.monotonic() + timeout_s
        while self.ring is not None and self.ring.latest < 0:
            left = deadline - time.monotonic()
            if left <= 0 or not self.alive:
                return False
            self.wait_notified(min(left, _POLL_S))
        if self.ring is not None:
            self.ring.unlink()
        return self.ring is not None

    def wait_notified(self, timeout_s: float) -> None:
        """Block until the child says it wrote a frame (or ``timeout_s``)."""
        conn = self._notify
        if conn is None:
            time.sleep(timeout_s)
            return
        with self._notify_lock:
            try:
                if conn.poll(timeout_s):
                    while conn.poll(0):
                        conn.recv_bytes()
            except (EOFError, OSError):
                time.sleep(timeout_s)  # the child has gone; the caller sees it die

    def send(self, name: str, *args: Any) -> int:
        """Pass a command to the scene; returns its number (see ``wait_applied``)."""
        with self._send_lock:
            if self._commands is None or not self.alive:
                raise CameraError(f"{self.name} is not running", reason=Reason.CAMERA_UNAVAILABLE)
            self._commands.send((name, args))
            self._sent += 1
            return self._sent

    def wait_applied(self, number: int, timeout_s: float = 30.0) -> bool:
        """Wait until the child has taken command ``number``: the next frame shows it."""
        deadline = time.monotonic() + timeout_s
        while self.ring is not None and self.ring.counters()["commands"] < number:
            left = deadline - time.monotonic()
            if left <= 0 or not self.alive:
                return False
            self.wait_notified(min(left, _POLL_S))
        return True

    def capture(self) -> FeedCapture:
        if not self.alive or self.ring is None:
            raise CameraError(f"{self.name} is not running", reason=Reason.CAMERA_UNAVAILABLE)
        return FeedCapture(self)

    def source(self, **options: Any) -> CameraSource:
        """A ``CameraSource`` over this camera (not started)."""
        options.setdefault("detect_duplicates", False)  # a still scene repeats on purpose
        return CameraSource(self.capture, name=self.name, nominal_fps=self.fps, **options)

    def stats(self) -> dict[str, int]:
        return self.ring.counters() if self.ring is not None else {}

    def stop(self, timeout_s: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with self._send_lock:
                try:
                    if self._commands is not None:
                        self._commands.send(("stop", ()))
                except (OSError, ValueError):
                    pass
            proc.join(timeout_s)
            if proc.is_alive():
                log.warning("%s did not stop; killing it", self.name)
                proc.kill()
                proc.join(timeout_s)
            proc.close()
        for conn in (self._commands, self._notify):
            if conn is not None:
                conn.close()
        self._commands = self._notify = None
        if self.ring is not None:
            self.ring.close(unlink=True)
            self.ring = None

    def __enter__(self) -> ProcessCamera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
