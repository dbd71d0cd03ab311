"""Tower simulator: the lift controller's protocol over a pty or TCP, with faults.

``TowerSimulator`` runs the tower model (lift_sim_tower) and one protocol
session in a single thread (a select loop), so the model needs no locking of
its own; public methods take the simulator's lock and wake the loop.

    with TowerSimulator(travel_s_per_level=0.01) as sim:
        url = sim.serve_pty()          # or f"socket://127.0.0.1:{sim.serve_tcp()}"
        sim.trigger("estop")           # pressed and held; "estop_release" lets it go
        sim.trigger("door_obstructed") # or arm another one-shot fault (TRIGGERS)
        sim.unplug(); sim.replug()     # the port vanishes and comes back

Console script ``kiosk-liftsim`` / ``python -m sim.lift``: the first
line printed is the pty path (``--pty``) or the TCP port (``--tcp``).
SIGUSR1 presses the E-stop, SIGUSR2 releases it; SIGINT/SIGTERM stop it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from common.errors import FrameError
from drivers import lift_proto as p
from drivers.lift_arq import Arq
from drivers.lift_frame import Deframer, Frame
from drivers.lift_proto import REPLY_BIT, Cmd, FaultCode, Result, VehicleChanged
from sim.lift.port import Pty, Tcp
from sim.lift.tower import ARMABLE, TRIGGERS, FaultConfig, Tower

__all__ = ["TowerSimulator", "FaultConfig", "TRIGGERS", "main"]

log = logging.getLogger(__name__)

# Events that are snapshots of a state: a newer one makes a queued older one moot.
SNAPSHOT_EVENTS = frozenset({Cmd.EV_LEVEL, Cmd.EV_JOB_PROGRESS})
QUIET_S = 0.01  # line idle this long with half a frame buffered: the frame is broken


@dataclass
class _Session:
    """One host connection's protocol state."""

    arq: Arq
    deframer: Deframer = field(default_factory=Deframer)
    nonce: int | None = None
    comm_ok: bool = True
    bad_seen: int = 0
    last_rx: float = 0.0


class TowerSimulator:
    def __init__(self, levels: int = 5, bays_per_level: int = 6,
                 delivery_bays: tuple[int, ...] = (101, 102), travel_s_per_level: float = 0.6,
                 door_s: float = 0.8, transfer_s: float = 1.0,
                 occupied: set[int] | None = None, faults: FaultConfig | None = None,
                 ack_timeout_s: float = 0.1, max_resends: int = 5) -> None:
        self.faults = faults or FaultConfig()
        if occupied is None:
            # Every storage bay full except the last on each level: cars to
            # deliver and room for returns.
            occupied = {b for b in range(1, levels * bays_per_level + 1) if b % bays_per_level}
        self.tower = Tower(levels=levels, bays_per_level=bays_per_level,
                           delivery_bays=tuple(delivery_bays),
                           travel_s_per_level=travel_s_per_level, door_s=door_s,
                           transfer_s=transfer_s, occupied=set(occupied),
                           armed=self.faults.armed())
        self.ack_timeout_s, self.max_resends = ack_timeout_s, max_resends
        self._rng = random.Random(self.faults.seed)
        self.lock = threading.RLock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._transport: Pty | Tcp | None = None
        self._plugged = False
        self._session: _Session | None = None
        self._delayed: deque[tuple[float, bytes]] = deque()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.sessions = 0  # handshakes seen (a reconnecting host makes a new one)

    # -- serving ---------------------------------------------------------------------
    def serve_pty(self, link: str | None = None) -> str:
        """Serve on a new pseudo-terminal; returns its path (``link`` if given:
        a symlink that survives unplug/replug, like /dev/serial/by-id)."""
        t = Pty(link)
        self._serve(t)
        return link or t.path

    def serve_tcp(self, port: int = 0) -> int:
        """Serve on 127.0.0.1; returns the port (for ``socket://127.0.0.1:PORT``)."""
        t = Tcp(port)
        self._serve(t)
        return t.port

    def _serve(self, transport: Pty | Tcp) -> None:
        with self.lock:
            if self._transport is not None:
                raise RuntimeError("the simulator already serves a port")
            transport.open()
            self._transport, self._plugged = transport, True
            self._new_session()
        self._thread = threading.Thread(target=self._run, name="liftsim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self.lock:
            self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        with self.lock:
            if self._transport is not None:
                self._transport.close()
            for fd in (self._wake_r, self._wake_w):
                if fd >= 0:
                    os.close(fd)
            self._wake_r = self._wake_w = -1

    def __enter__(self) -> TowerSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- control (any thread) ------------------------------------------------------------
    def trigger(self, name: str) -> None:
        """Fire ("estop", "estop_release", "unstall") or arm a one-shot fault (TRIGGERS)."""
        with self.lock:
            self.tower.trigger(name, time.monotonic())
        self._wake()

    def set_line(self, *, corrupt: float | None = None, drop: float | None = None,
                 latency_ms: float | None = None) -> None:
        with self.lock:
            if corrupt is not None:
                self.faults.corrupt = corrupt
            if drop is not None:
                self.faults.drop = drop
            if latency_ms is not None:
                self.faults.latency_ms = latency_ms

    def unplug(self) -> None:
        """The cable comes out: the port closes (a pty and its link vanish)."""
        with self.lock:
            if self._transport is not None and self._plugged:
                self._transport.close()
                self._plugged, self._session = False, None
                self._delayed.clear()
        self._wake()

    def replug(self) -> None:
        with self.lock:
            if self._transport is not None and not self._plugged:
                self._transport.open()
                self._plugged = True
                self._new_session()
        self._wake()

    def vehicle(self, bay: int, present: bool) -> None:
        """The physical world: a member drives a car into (or out of) a bay.

        Only delivery bays are reachable by car; storage bays change only by
        the lift. The presence sensor reports the change as an event."""
        with self.lock:
            if bay not in self.tower.delivery_bays:
                raise ValueError(f"bay {bay} is not a delivery bay")
            if present != (bay in self.tower.occupied):
                if present:
                    self.tower.occupied.add(bay)
                else:
                    self.tower.occupied.discard(bay)
                self.tower.events.append(VehicleChanged(bay, present))
        self._wake()

    def control(self, line: str) -> str:
        """One command of the ``--control-stdin`` channel; returns "ok ..." or "error ...".

        ``arrive BAY`` / ``depart BAY``: a car is driven into / out of a
        delivery bay; ``trigger NAME``: a named fault (see TRIGGERS);
        ``line corrupt|drop FRACTION``: line noise from now on (0 ends it);
        ``estop`` / ``estop-release``: someone presses / releases the E-stop
        button (no frame on the line can release it)."""
        words = line.split()
        try:
            if len(words) == 2 and words[0] in ("arrive", "depart"):
                self.vehicle(int(words[1]), words[0] == "arrive")
            elif len(words) == 2 and words[0] == "trigger":
                self.trigger(words[1])
            elif words in (["estop"], ["estop-release"]):
                self.trigger(words[0].replace("-", "_"))
            elif len(words) == 3 and words[0] == "line" and words[1] in ("corrupt", "drop"):
                self.set_line(**{words[1]: _fraction(words[2])})
            else:
                return f"error unknown command {line.strip()!r}"
        except (ValueError, KeyError) as exc:
            return f"error {exc}"
        return f"ok {line.strip()}"

    @contextlib.contextmanager
    def locked(self) -> Iterator[Tower]:
        """The tower model, frozen while the block runs (for tests and tools)."""
        with self.lock:
            yield self.tower

    # -- loop ------------------------------------------------------------------------------
    def _new_session(self) -> None:
        self._session = _Session(Arq(ack_timeout_s=self.ack_timeout_s,
                                     max_resends=self.max_resends))

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._wake_w, b"x")

    def _run(self) -> None:
        while True:
            with self.lock:
                if self._stopping:
                    return
                now = time.monotonic()
                self._tick(now)
                timeout = self._timeout(now)
                fds = list(self._transport.fds) if self._transport and self._plugged else []
            try:
                ready, _, _ = select.select([self._wake_r, *fds], [], [], timeout)
            except (OSError, ValueError):
                continue  # unplug() closed an fd we were watching; the next pass rebuilds the list
            with self.lock:
                if self._wake_r in ready:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 4096)
                for fd in ready:
                    if fd != self._wake_r:
                        self._readable(fd, time.monotonic())

    def _readable(self, fd: int, now: float) -> None:
        t = self._transport
        if t is None or not self._plugged or fd not in t.fds:
            return  # closed while we slept in select
        if isinstance(t, Tcp) and t.listener is not None and fd == t.listener.fileno():
            t.accept()
            self._new_session()
            return
        data = t.read(fd)
        if data and self._session is not None:
            self._on_bytes(self._mangle(data), now)

    def _timeout(self, now: float) -> float:
        times = [now + 0.5]
        s = self._session
        for when in (self.tower.next_deadline(), s.arq.next_deadline() if s else None,
                     self._delayed[0][0] if self._delayed else None,
                     s.last_rx + QUIET_S if s and s.deframer.pending else None):
            if when is not None:
                times.append(when)
        return max(0.0, min(times) - now)

    def _tick(self, now: float) -> None:
        self.tower.advance(now)
        s = self._session
        events = self.tower.take_events()
        if s is None:
            return  # unplugged: events happen, nobody hears them
        if s.deframer.pending and now - s.last_rx >= QUIET_S:
            self._frames(s.deframer.flush_partial(), now)
        if s.comm_ok:
            for ev in events:
                cmd, payload = p.encode_event(ev)
                s.arq.submit(cmd, payload, supersede=cmd in SNAPSHOT_EVENTS)
        # else: the host is unreachable; queuing events would only delay the
        # replies it will ask for when it is back. It polls JOB_STATUS instead.
        if not s.arq.poll(now):
            s.arq.drop_outbound()
            s.comm_ok = False
            self.tower.raise_fault(FaultCode.COMM_LOST, now)
            self.tower.take_events()  # the news cannot reach anyone
        self._write(s.arq.take_output(), now)
        while self._delayed and self._delayed[0][0] <= now:
            self._send(self._delayed.popleft()[1])

    def _on_bytes(self, data: bytes, now: float) -> None:
        s = self._session
        assert s is not None
        s.last_rx = now
        s.arq.rearm_nak()
        self._frames(s.deframer.feed(data), now)
        self._tick(now)

    def _frames(self, frames: list[Frame], now: float) -> None:
        s = self._session
        assert s is not None
        if s.deframer.bad_frames != s.bad_seen:
            s.bad_seen = s.deframer.bad_frames
            s.arq.on_bad_frame(now, s.deframer.last_bad_seq)
        for frame in frames:
            self._on_frame(s, frame, now)

    def _on_frame(self, s: _Session, frame: Frame, now: float) -> None:
        if not s.comm_ok:
            s.comm_ok = True  # any valid frame: the host is back
            self.tower.clear_fault(FaultCode.COMM_LOST)
        if frame.cmd == Cmd.HELLO:
            self._hello(s, frame, now)
            return
        fresh = s.arq.on_frame(frame, now)
        if fresh is None:
            return
        if fresh.cmd in p.REQUESTS:
            result, data = self.tower.handle(fresh.cmd, fresh.payload, now)
            s.arq.submit(fresh.cmd | REPLY_BIT, p.encode_reply(fresh.seq, result, data),
                         urgent=True)
        # Anything else reliable from the host (an event or reply code) has no
        # meaning for a controller; it was ACKed so the host stops resending.

    def _hello(self, s: _Session, frame: Frame, now: float) -> None:
        try:
            nonce: int | None = p.decode_hello(frame.payload)
        except FrameError:
            nonce = None
        if nonce is not None and nonce != s.nonce:
            # A new host session: forget the old one's queue and numbering.
            s.arq.reset()
            s.nonce = nonce
            self.sessions += 1
        if s.arq.on_frame(frame, now) is None:
            return  # a resent HELLO: our reply is already on its way
        if nonce is None:
            s.arq.submit(frame.cmd | REPLY_BIT, p.encode_reply(frame.seq, Result.BAD_REQUEST))
        else:
            s.arq.submit(frame.cmd | REPLY_BIT,
                         p.encode_reply(frame.seq, Result.OK, p.encode_hello_reply(nonce)))

    # -- the line ------------------------------------------------------------------------------
    def _mangle(self, data: bytes) -> bytes:
        corrupt, drop = self.faults.corrupt, self.faults.drop
        if not corrupt and not drop:
            return data
        out = bytearray()
        rng = self._rng
        for byte in data:
            r = rng.random()
            if r < drop:
                continue
            if r < drop + corrupt:
                byte ^= 1 << rng.randrange(8)
            out.append(byte)
        return bytes(out)

    def _write(self, data: bytes, now: float) -> None:
        if not data:
            return
        data = self._mangle(data)
        if self.faults.latency_ms > 0:
            self._delayed.append((now + self.faults.latency_ms / 1000.0, data))
        else:
            self._send(data)

    def _send(self, data: bytes) -> None:
        if self._transport is not None and self._plugged:
            self._transport.write(data)


# -- command line ------------------------------------------------------------------------------

def _bay_list(text: str) -> set[int]:
    bays: set[int] = set()
    for part in filter(None, (x.strip() for x in text.split(","))):
        lo, dash, hi = part.partition("-")
        try:
            a, b = int(lo), int(hi if dash else lo)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a bay or range: {part!r}") from None
        if a < 1 or b < a or b - a > 10000:
            raise argparse.ArgumentTypeError(f"bad bay range: {part!r}")
        bays.update(range(a, b + 1))
    return bays


def _fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError("expected a fraction in [0, 1)")
    return value


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="kiosk-liftsim", description=__doc__.split("\n")[0])
    ap.add_argument("--levels", type=int, default=5)
    ap.add_argument("--bays", type=int, default=6, help="storage bays per level")
    ap.add_argument("--delivery", type=lambda t: sorted(_bay_list(t)), default=[101, 102],
                    help="delivery bay ids on the lobby level (default 101,102)")
    ap.add_argument("--occupied", type=_bay_list, default=None,
                    help="occupied storage bays, e.g. 1,2,5-9 (default: all but the last "
                         "bay of each level)")
    ap.add_argument("--travel-s", type=float, default=0.6, help="seconds per level")
    ap.add_argument("--door-s", type=float, default=0.8)
    ap.add_argument("--transfer-s", type=float, default=1.0, help="seconds to load or unload")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT (0: any)")
    ap.add_argument("--link", help="with --pty: also make this symlink to the pty")
    faults = ap.add_argument_group("fault injection")
    faults.add_argument("--corrupt", type=_fraction, default=0.0,
                        help="fraction of bytes corrupted, each direction")
    faults.add_argument("--drop", type=_fraction, default=0.0,
                        help="fraction of bytes dropped, each direction")
    faults.add_argument("--latency-ms", type=float, default=0.0)
    for name in ARMABLE:
        faults.add_argument(f"--{name.replace('_', '-')}", action="store_true",
                            help="one-shot, on the next move")
    faults.add_argument("--seed", type=int, default=None)
    ap.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    ap.add_argument("--control-stdin", action="store_true",
                    help="read 'arrive BAY' / 'depart BAY' / 'estop' / 'estop-release' / "
                         "'trigger NAME' / 'line corrupt|drop FRACTION' lines from stdin")
    ap.add_argument("--moves-log", metavar="FILE",
                    help="append one JSON line per car picked up or set down (job id, bays)")
    return ap


def _moves_logger(path: str) -> Any:
    """Physical moves, appended and flushed as they happen: a restarted
    simulator adds to the same file, so a car moved twice for one job shows."""
    out = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life

    def log_move(kind: str, job_id: str, from_bay: int, to_bay: int) -> None:
        out.write(json.dumps({"kind": kind, "job": job_id, "from": from_bay, "to": to_bay,
                              "t": time.time()}) + "\n")
        out.flush()

    return log_move


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stderr, format="liftsim %(levelname)s %(message)s")
    faults = FaultConfig(corrupt=args.corrupt, drop=args.drop, latency_ms=args.latency_ms,
                         seed=args.seed, **{name: getattr(args, name) for name in ARMABLE})
    try:
        sim = TowerSimulator(levels=args.levels, bays_per_level=args.bays,
                             delivery_bays=tuple(args.delivery), travel_s_per_level=args.travel_s,
                             door_s=args.door_s, transfer_s=args.transfer_s,
                             occupied=args.occupied, faults=faults)
    except ValueError as exc:
        print(f"kiosk-liftsim: {exc}", file=sys.stderr)
        return 2
    if args.moves_log:
        sim.tower.on_move = _moves_logger(args.moves_log)
    stop = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGUSR1, lambda signum, frame: sim.trigger("estop"))
    signal.signal(signal.SIGUSR2, lambda signum, frame: sim.trigger("estop_release"))
    with sim:
        try:
            where = sim.serve_pty(args.link) if args.pty else sim.serve_tcp(args.tcp)
        except OSError as exc:
            print(f"kiosk-liftsim: cannot serve: {exc}", file=sys.stderr)
            return 2
        print(where, flush=True)
        if args.control_stdin:
            # Commands from the demo (a car driven into a delivery bay...);
            # answers go to stderr so stdout stays the one-line handshake.
            def _read_control() -> None:
                for line in sys.stdin:
                    print(f"liftsim: {sim.control(line)}", file=sys.stderr, flush=True)

            threading.Thread(target=_read_control, name="liftsim-control", daemon=True).start()
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
