"""The soak's side of the demo stack: a backend and a simulator it can kill.

The supervisor, not the kiosk, owns them, so a killed kiosk finds them where
it left them (as in a tower). The kiosk reaches the backend through
``BackendProxy`` (slow answers, refused connections, a restarted backend on
another port, all without the kiosk's config changing) and the lift through
a stable symlink to the simulator's pty (``--link``). The simulator logs
every car it picks up and sets down (``--moves-log``): the physical truth the
ledger compares with the journal and the backend's jobs.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.procs import spawn_cli
from sim.demo import DEMO_DELIVERY, DEMO_KIOSK_ID, DEMO_KIOSK_KEY, DemoStack

# Faster than a tower where it changes nothing measured: the kiosk only
# waits for the lift's events, at whatever pace they come.
TRAVEL_S, DOOR_S, TRANSFER_S = 0.4, 0.3, 0.4


class BackendProxy:
    """TCP relay kiosk -> backend on loopback that can delay and refuse."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.delay_s = 0.0
        self.port = 0
        self._sock: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> BackendProxy:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._sock = sock
        threading.Thread(target=self._accept, args=(sock,), name="soak-proxy",
                         daemon=True).start()
        return self

    def refuse(self) -> None:
        """Connections refused (and live ones cut) until ``start()`` again."""
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        self.cut()

    def cut(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def _accept(self, sock: socket.socket) -> None:
        while True:
            try:
                client, _ = sock.accept()
            except OSError:
                return  # refused or stopped
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), 5)
            except OSError:
                client.close()  # the backend is down: the kiosk sees the connection drop
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, a is client),
                                 name="soak-proxy-pump", daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, slow: bool) -> None:
        try:
            while data := src.recv(65536):
                if slow and self.delay_s:
                    time.sleep(self.delay_s)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(src)
                self._conns.discard(dst)
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


class SoakStack(DemoStack):
    """DemoStack's backend and simulator, restartable, without its camera
    (the kiosk process owns the camera)."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, travel_s=TRAVEL_S)
        self.proxy: BackendProxy | None = None
        self.lift_link = str(self.workdir / "lift-pty")
        self.moves_log = self.workdir / "moves.jsonl"
        self.db_path = self.workdir / "backend.sqlite"
        self._clones = 0

    def start(self) -> SoakStack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._start_backend()
        self.proxy = BackendProxy(self._backend_port).start()
        self.backend_url = f"http://127.0.0.1:{self.proxy.port}"
        self._start_sim()
        return self

    def _start_backend(self) -> None:
        self.backend = spawn_cli("backend", ["serve-backend", "--db", f"sqlite:///{self.db_path}",
                                             "--seed", "demo", "--port", "0"],
                                 stderr_path=self.workdir / "backend.log")
        url = json.loads(self.backend.first_line)["listening"]
        self._backend_port = int(url.rsplit(":", 1)[1].split("/")[0])
        if self.proxy is not None:
            self.proxy.upstream_port = self._backend_port

    def _start_sim(self) -> None:
        occupied = self._occupied_bays()
        self.sim = spawn_cli("liftsim", [
            "liftsim", "--pty", "--link", self.lift_link, "--levels", "5", "--bays", "6",
            "--delivery", ",".join(map(str, DEMO_DELIVERY)),
            "--occupied", ",".join(map(str, occupied)) or "none",
            "--travel-s", str(TRAVEL_S), "--door-s", str(DOOR_S), "--transfer-s",
            str(TRANSFER_S), "--control-stdin", "--moves-log", str(self.moves_log)],
            stderr_path=self.workdir / "liftsim.log", control=True)

    def kill_backend(self) -> None:
        assert self.backend is not None
        self.backend.kill()
        assert self.proxy is not None
        self.proxy.cut()

    def restart_backend(self) -> None:
        self._start_backend()

    def kill_sim(self) -> None:
        """SIGKILL the simulator. Its link goes first, as a USB adapter's
        by-id link goes with the adapter: a killed simulator cannot remove
        it, and a link left naming a freed pty number leads the kiosk to
        whatever opens that number next (a test run's simulator, once)."""
        assert self.sim is not None
        with contextlib.suppress(FileNotFoundError):
            Path(self.lift_link).unlink()  # before the kill: the number is not free yet
        self.sim.kill()

    def restart_sim(self) -> None:
        self._start_sim()

    def sim_send(self, line: str) -> None:
        if self.sim is not None and self.sim.alive():
            self.sim.send(line)

    def clear_delivery_bays(self) -> None:
        """Members drive their cars off (departing an empty bay changes nothing)."""
        for bay in DEMO_DELIVERY:
            self.sim_send(f"depart {bay}")

    def kiosk_config(self, data_dir: Path) -> dict[str, Any]:
        from kiosk.staff.gate import hash_pin
        from sim.demo import DEMO_STAFF_PIN, DEMO_TOWER

        return {
            "kiosk": {"id": DEMO_KIOSK_ID, "tower_id": DEMO_TOWER, "kiosk_mode": False,
                      "data_dir": str(data_dir), "log_dir": str(self.workdir / "logs")},
            "backend": {"url": self.backend_url, "kiosk_key": DEMO_KIOSK_KEY,
                        "heartbeat_s": 30.0},
            "camera": {"url": "demo:default"},
            "lift": {"url": self.lift_link},
            "staff": {"pin_hash": hash_pin(DEMO_STAFF_PIN)},
            # Walking away is part of the mix: short idle timers, same code.
            "journey": {"warn_s": 3.0, "scan_idle_s": 10.0, "choose_idle_s": 10.0,
                        "selfie_idle_s": 15.0, "result_idle_s": 6.0, "refused_idle_s": 6.0},
        }

    # -- members ---------------------------------------------------------------------
    def clone_member(self, like: str) -> str:
        """A new member like seeded ``like`` (same face, credit, no history):
        a first test drive each time, and no identity lockout piling up."""
        import hashlib

        from sim.member_app import member_token

        self._clones += 1
        new = f"soak-{like}-{self._clones:05d}"
        token_hash = hashlib.sha256(member_token(new).encode()).hexdigest()
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db, db:
            db.execute("INSERT INTO members (id, name, credit_score, template, preselected_model,"
                       " active, token_hash) SELECT ?, name, credit_score, template,"
                       " preselected_model, active, ? FROM members WHERE id = ?",
                       (new, token_hash, like))
        return new

    # -- the tower's upkeep ---------------------------------------------------------------
    def failed_move_bays(self) -> list[int]:
        """Bays the backend took out of service after a lift job failed with the
        car moved (where it stopped is for staff to find out)."""
        return sorted(r[0] for r in _read(
            self.db_path, "SELECT bay FROM bays WHERE maintenance = 1 AND note LIKE 'lift job %'"))

    def has_open_drive(self, member_id: str) -> bool:
        return bool(_read(self.db_path, "SELECT 1 FROM drives WHERE member_id = ?"
                          " AND returned_at IS NULL", (member_id,)))

    def last_selfie_verdict(self, member_id: str) -> dict[str, Any] | None:
        """The backend's verdict on the member's latest selfie (live, and the
        judge's reason when not): what an unexpected LIVENESS_FAILED needs to
        be explained. No face data is kept there, only the verdict."""
        rows = _read(self.db_path, "SELECT challenges, live, reason FROM selfies"
                     " WHERE member_id = ? ORDER BY opened_at DESC LIMIT 1", (member_id,))
        if not rows:
            return None
        challenges, live, reason = rows[0]
        return {"challenges": challenges, "live": None if live is None else bool(live),
                "reason": reason}

    def engineer_restock(self) -> None:
        """A field engineer after a failed move: each car is put (by hand, with
        the lift in manual mode) into the bay the backend booked it into, and
        the controller is power-cycled. The simulator restarts with exactly
        the backend's storage bays occupied, as after any restart."""
        self.kill_sim()
        self.restart_sim()

    # -- the ledger's three sources ------------------------------------------------------
    def backend_jobs(self) -> dict[str, str]:
        return dict(_read(self.db_path, "SELECT id, state FROM jobs WHERE kiosk_id = ?",
                          (DEMO_KIOSK_ID,)))

    def physical_moves(self) -> tuple[Counter[str], Counter[str]]:
        loads: Counter[str] = Counter()
        unloads: Counter[str] = Counter()
        if self.moves_log.exists():
            for line in self.moves_log.read_text().splitlines():
                with contextlib.suppress(ValueError):
                    m = json.loads(line)
                    (loads if m["kind"] == "load" else unloads)[m["job"]] += 1
        return loads, unloads

    def stop(self) -> None:
        if self.proxy is not None:
            self.proxy.refuse()
        super().stop()


def journal_jobs(data_dir: Path) -> dict[str, tuple[str, str | None]]:
    path = data_dir / "dispatch.sqlite"
    if not path.exists():
        return {}
    return {r[0]: (r[1], r[2]) for r in _read(path, "SELECT job_id, state, outcome FROM jobs")}


def _read(path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of one query on a database another process writes, opened read-only."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        return db.execute(sql, args).fetchall()
