"""``kiosk soak``: one kiosk process through many journeys, with faults.

The supervisor plays systemd and the world around the kiosk: it owns the
backend and the simulator (``ui.soak.stack``), starts the kiosk process
(``ui.soak.worker``) and restarts it if it dies, sends it one journey at a
time from the seeded mix (``ui.soak.plan``), strikes a journey's fault when
the kiosk reports the state it is aimed at, checks the outcome against what
the script and the fault define, and after every journey compares the
journal, the backend's jobs and the simulator's physical moves. The last
line it prints is the JSON report.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kiosk.procs import _child_env, cli_command
from ui.soak.faults import strike
from ui.soak.ledger import Ledger
from ui.soak.plan import FAULTS, SCRIPTS, Journey, Planner
from ui.soak.report import Figures

log = logging.getLogger(__name__)

STUCK_S = 120.0
READY_S = 300.0
PROGRESS_EVERY = 25  # journeys between progress reports (stderr)
STRIKE_JOIN_S = 30.0  # the longest strike heals in ~20 s (backend-slow)


class KioskProcess:
    """The kiosk under test, in its own process group (its camera goes with it)."""

    def __init__(self, config_path: Path, log_path: Path) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        err = open(log_path, "ab")  # noqa: SIM115 - the child holds its own copy
        try:
            self.proc = subprocess.Popen(
                cli_command("soak", "--worker", str(config_path)), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=err, env=_child_env(), start_new_session=True)
        finally:
            err.close()
        threading.Thread(target=self._read, name="soak-kiosk-out", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace")
            if line.startswith("SOAK "):
                self.events.put(json.loads(line[5:]))
        self.events.put({"ev": "exit"})

    def send(self, cmd: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it died: the reader reports the exit

    def wait_for(self, ev: str, timeout_s: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                e = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if e["ev"] == ev:
                return e
            if e["ev"] == "exit":
                return None
        return None

    def kill(self) -> None:
        """SIGKILL the whole group, as systemd does to a unit's processes."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def stop(self, timeout_s: float = 30.0) -> None:
        self.send({"cmd": "quit"})
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


class Interrupted(Exception):
    """SIGTERM (an engineer's ``kill``, systemd, a CI timeout): stop, report."""


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM raises ``Interrupted`` in the main thread, so the
    soak stops its kiosk, backend and simulator and reports what it did. By
    default SIGTERM ends Python at once, leaving them running as orphans."""
    def _raise(signum: int, _frame: Any) -> None:
        # Once: a second SIGTERM must not cut the clean-up short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a test's thread, say)
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Soak:
    def __init__(self, journeys: int, faults: bool, seed: int, workdir: Path,
                 only_fault: str | None = None, skip_faults: Iterable[str] = ()) -> None:
        from ui.soak.stack import SoakStack

        self.n = journeys
        self.planner = Planner(seed, faults, skip_faults)
        self.only_fault = only_fault
        self.workdir = workdir
        self.data_dir = workdir / "kiosk-data"
        self.stack = SoakStack(workdir)
        self.kiosk: KioskProcess | None = None
        self.config_path = workdir / "kiosk-config.json"
        self.drivers_out: list[str] = []
        self._seen_open: set[str] = set()
        self.forced: list[str] = []
        self.outcomes: Counter[str] = Counter()
        self.unexpected: list[dict[str, Any]] = []
        self.stuck = 0
        self.restarts = 0
        self.restocks = 0
        self.figures = Figures()
        self.ledger = Ledger(self.stack, self.data_dir)
        self._striking: threading.Thread | None = None  # the fault being struck, if any

    # -- lifecycle ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """The journeys, then the report. Stopped early (Ctrl-C, or SIGTERM
        inside ``stop_on_sigterm``), it still stops everything it started and
        reports the journeys done, marked ``interrupted``."""
        t0 = time.monotonic()
        interrupted: str | None = None
        try:
            self.stack.start()
            self.config_path.write_text(json.dumps(self.stack.kiosk_config(self.data_dir)))
            self._start_kiosk(first=True)
            for i in range(self.n):
                self._journey(i)
                if (i + 1) % PROGRESS_EVERY == 0 and i + 1 < self.n:
                    # A long run's figures so far, for whoever watches it (and
                    # what is left if the run is stopped before its end).
                    log.info("progress %s", json.dumps(
                        self.report((time.monotonic() - t0) / 3600)))
        except (KeyboardInterrupt, Interrupted) as exc:
            interrupted = str(exc) or "SIGINT"
            log.warning("soak interrupted (%s): stopping the kiosk, backend and simulator",
                        interrupted)
        finally:
            striking, self._striking = self._striking, None
            if striking is not None:
                # A fault mid-strike may be about to restart the backend or the
                # simulator: let it finish, or it would start them after stop().
                striking.join(STRIKE_JOIN_S)
            if self.kiosk is not None:
                self.kiosk.stop()
            self.stack.stop()
        hours = (time.monotonic() - t0) / 3600
        report = self.report(hours)
        if interrupted is not None:
            report["interrupted"] = interrupted
        return report

    def _start_kiosk(self, first: bool = False) -> None:
        self.kiosk = KioskProcess(self.config_path, self.workdir / "kiosk.log")
        ready = self.kiosk.wait_for("ready", READY_S)
        if ready is None:
            raise RuntimeError("the kiosk process did not come up (see kiosk.log)")
        self.figures.ready(ready, first)

    # -- one journey --------------------------------------------------------------------
    def _journey(self, i: int) -> None:
        assert self.kiosk is not None
        forced = self.forced.pop(0) if self.forced else None
        # A car can come back without its member: a return the lift failed
        # after the car moved closes the drive once the kiosk's report lands
        # (maybe journeys later). Only members who still hold a car return.
        # (A handover the backend has not heard of yet has no open drive
        # either: such a member stays until their drive has been seen open.)
        still: list[str] = []
        for m in self.drivers_out:
            if self.stack.has_open_drive(m):
                self._seen_open.add(m)
            elif m in self._seen_open:
                continue
            still.append(m)
        self.drivers_out = still
        if forced:
            j = Journey(i, forced, SCRIPTS[forced][1])
        else:
            j = self.planner.next(i, len(self.drivers_out), force_fault=self._fault_for(i))
        member = self._member(j)
        cmd = {"cmd": "journey", "i": i, "script": j.script, "expect": j.expect,
               "member": member, "done_by": j.done_by, "passes": self._passes(j, member)}
        if forced == "staff":
            cmd["clear_bays"] = self._engineer()
        if j.script == "return":
            self.stack.sim_send("arrive 101")  # the member parked first
        self.kiosk.send(cmd)
        outcome, end, said = self._follow(j)
        self.stack.clear_delivery_bays()
        if outcome == "handover":
            self.drivers_out.append(member)
        elif member.startswith("soak-") and member not in self.drivers_out \
                and self.stack.has_open_drive(member):
            # A return that did not take the car back (a fault, an empty
            # bay), or a drive that the restarted kiosk delivered: the member
            # still has the car and comes back with it later.
            self.drivers_out.append(member)
        if (j.fault in ("estop", "lift-kill") or self.stack.failed_move_bays()) \
                and "staff" not in self.forced:
            # The lift stays stopped until staff acknowledge: the released
            # E-stop, or the STOP the kiosk sent when the restarted controller
            # no longer knew the job (LIFT_PROTOCOL.md section 6). A bay the
            # backend took out of service after a failed move waits for them too.
            self.forced.append("staff")
        self.outcomes[outcome] += 1
        if not j.ok(outcome):
            detail = dict(said)
            if member.startswith("soak-") and outcome in ("LIVENESS_FAILED", "FACE_MISMATCH"):
                detail["judge"] = self.stack.last_selfie_verdict(member)
            self.unexpected.append({"i": i, "script": j.script, "fault": j.fault,
                                    "outcome": outcome, "expected": j.expect, **detail})
            log.warning("journey %d %s (fault %s): %s, expected %s %s", i, j.script, j.fault,
                        outcome, j.expect, json.dumps(detail))
        if end is not None:
            self.figures.journey_end(i, end)
            # One line per journey: memory and handles can be studied afterwards.
            log.info("figures %d process=%d rss_mb=%s threads=%s fds=%s", i,
                     self.figures.generation, end.get("rss_mb"), end.get("threads"),
                     end.get("fds"))
        self.ledger.check(i)
        selfie = said.get("selfie") or {}
        # With a selfie, how fast the kiosk's vision ran and what its own check
        # said: a slow stretch (a fault's aftermath, a busy machine) shows here.
        log.info("journey %d %s fault=%s -> %s%s", i, j.script, j.fault, outcome,
                 f" selfie local={selfie.get('local_reason') or selfie.get('local_live')}"
                 f" fps={selfie.get('analysed_fps')}" if selfie else "")

    def _engineer(self) -> list[int]:
        """Before staff come: a field engineer puts each car of a failed move
        where the backend booked it. Staff then audit the bays and take them
        out of maintenance on the kiosk (the worker's staff rounds). Without
        this upkeep every failed move would take a car out of stock for good,
        and a long soak would end with nothing left to drive."""
        bays = self.stack.failed_move_bays()
        if bays:
            self.stack.engineer_restock()
            self.restocks += 1
            log.info("engineer put the cars of bays %s back; staff to clear them", bays)
        return bays

    def _fault_for(self, i: int) -> str | None:
        return self.only_fault if self.only_fault and i % 2 == 0 else None

    def _member(self, j: Journey) -> str:
        kind = SCRIPTS[j.script][0]
        if kind == "fresh":
            return self.stack.clone_member("demo-ok")
        if kind == "face":
            return self.stack.clone_member("demo-face")
        if kind == "driver":
            return self.drivers_out.pop(0)
        return kind

    def _passes(self, j: Journey, member: str) -> dict[str, str]:
        if j.script == "staff":
            return {}
        texts = {"good": self.stack.member_pass(member)}
        if j.script == "bad-pass":
            texts["expired"] = self.stack.member_pass(member, expired=True)
        return texts

    def _follow(self, j: Journey) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        """Events of journey ``j`` until its end; strikes its fault on the way.
        Returns the outcome, the end event (None if the kiosk died) and what
        the outcome event said beside it (its seconds and selfie summary)."""
        assert self.kiosk is not None
        fault = FAULTS.get(j.fault) if j.fault else None
        striking: threading.Thread | None = None
        outcome = "no_outcome"
        said: dict[str, Any] = {}
        deadline = time.monotonic() + 400.0
        while time.monotonic() < deadline:
            try:
                e = self.kiosk.events.get(timeout=5.0)
            except queue.Empty:
                continue
            kind = e["ev"]
            if kind == "state" and fault is not None and striking is None \
                    and e.get("state") in fault.at:
                striking = threading.Thread(target=strike, args=(fault.name, self),
                                            name="soak-fault", daemon=True)
                self._striking = striking
                striking.start()
            elif kind == "outcome":
                outcome = e["outcome"]
                said = {k: e[k] for k in ("seconds", "selfie") if e.get(k) is not None}
            elif kind == "staff_cleared":
                log.info("staff took bays %s of %s out of maintenance", e.get("bays"),
                         e.get("wanted"))
            elif kind == "end":
                if e.get("stuck"):
                    self.stuck += 1
                    self._restart_kiosk()
                if striking is not None:
                    striking.join()
                return outcome, e, said
            elif kind == "exit":
                if striking is not None:
                    striking.join()
                # Killed by its fault (or it crashed): systemd starts it again.
                crashed = not (fault is not None and fault.name == "kiosk-kill")
                self._restart_kiosk(killed=False)
                return ("crashed" if crashed else "killed"), None, said
        self.stuck += 1
        self._restart_kiosk()
        return "no_end", None, said

    def _restart_kiosk(self, killed: bool = True) -> None:
        if killed and self.kiosk is not None:
            self.kiosk.kill()
        self.restarts += 1
        self._start_kiosk()

    # -- report -------------------------------------------------------------------------
    def report(self, hours: float) -> dict[str, Any]:
        done = sum(self.outcomes.values())
        return {
            "journeys": done, "outcomes": dict(sorted(self.outcomes.items())),
            "unexpected": len(self.unexpected), "unexpected_detail": self.unexpected[:20],
            "stuck": self.stuck, "lost_jobs": self.ledger.lost(),
            "double_moves": self.ledger.double_moves(), "jobs": self.ledger.jobs_seen(),
            "kiosk_restarts": self.restarts, "engineer_restocks": self.restocks,
            "bays_left_in_maintenance": self.stack.failed_move_bays(),
            **self.figures.summary(),
            "journeys_per_hour": round(done / hours, 1) if hours > 0 else None,
            "hours": round(hours, 3), "ledger_notes": self.ledger.notes[:20],
        }


def run_soak(journeys: int, faults: bool, seed: int, workdir: str | None = None,
             only_fault: str | None = None, skip_faults: Iterable[str] = ()) -> dict[str, Any]:
    own = workdir is None
    wd = Path(workdir or tempfile.mkdtemp(prefix="kiosk-soak-"))
    soak = Soak(journeys, faults, seed, wd, only_fault, skip_faults)
    try:
        with stop_on_sigterm():
            return soak.run()
    finally:
        if own:
            import shutil

            shutil.rmtree(wd, ignore_errors=True)
