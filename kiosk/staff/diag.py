"""Staff diagnostics without Qt: health probes, the bay audit, raw frames, the bundle.

Plain functions over the kiosk's services, used by ``kiosk.staff.console``.
The probes of the backend and the lift block: call them on a worker lane.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common.errors import KioskError, LiftError
from common.redact import redact
from kiosk.logs import LOG_FILE
from kiosk.staff.gate import AuditLog

_T0 = time.monotonic()


def name_of(value: Any) -> Any:
    """An enum's name (the lift's IntEnums read best that way), else the value."""
    return getattr(value, "name", value)


def answer_of(err: KioskError) -> str:
    """An error as the answer staff read: the controller's code first when there is one."""
    code = err.context.get("code")
    return f"{code}: {err}" if code and str(code) not in str(err) else str(err)


@dataclass(frozen=True)
class ActionResult:
    """The answer to a staff action, for display (``StaffConsole`` callbacks)."""

    action: str
    ok: bool
    answer: str  # what the controller or backend said, for display
    final: bool = True  # False: more answers follow (a move in progress)
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


# -- inventory audit -----------------------------------------------------------------

@dataclass(frozen=True)
class AuditRow:
    bay: int
    level: int | None
    delivery: bool
    tower_occupied: bool | None  # None: the controller has no such bay
    backend_occupied: bool | None  # None: not in the backend's inventory (delivery bays)
    car: str | None
    backend_state: str | None
    maintenance: bool
    mismatch: str | None  # "tower_only" | "backend_only" | "unknown_bay" | None


@dataclass(frozen=True)
class AuditReport:
    rows: list[AuditRow]

    @property
    def mismatches(self) -> list[AuditRow]:
        return [r for r in self.rows if r.mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def build_audit(bay_map: Any, tower_bays: Any) -> AuditReport:
    """The controller's BAY_MAP against the backend's ``/v1/bays``, one row per bay.

    Same rules as ``drivers.lift_client.audit_bays``: a car the sensors see
    where the backend has none is ``tower_only``; a car the backend expects
    where the sensors see none is ``backend_only``; a car the backend keeps in
    a bay the controller does not have is ``unknown_bay``.
    """
    tower = dict(bay_map.bays)
    delivery = set(bay_map.delivery_bays)
    per_level = getattr(bay_map, "bays_per_level", 0) or 0
    backend = {b.bay: b for b in tower_bays.bays}
    rows = []
    for bay in sorted(set(tower) | set(backend)):
        rec = backend.get(bay)
        t_occ = tower.get(bay)
        b_occ = None if rec is None else rec.car_id is not None
        mismatch = None
        if rec is not None and t_occ is None:
            mismatch = "unknown_bay" if b_occ else None
        elif rec is not None and t_occ and not b_occ:
            mismatch = "tower_only"
        elif rec is not None and b_occ and not t_occ:
            mismatch = "backend_only"
        level = rec.level if rec is not None else (
            (bay - 1) // per_level + 1 if per_level and bay not in delivery else None)
        car = None
        if rec is not None and rec.car_id:
            car = " ".join(x for x in (rec.model, rec.colour) if x) + f" ({rec.car_id})"
        rows.append(AuditRow(bay=bay, level=level, delivery=bay in delivery,
                             tower_occupied=t_occ, backend_occupied=b_occ, car=car,
                             backend_state=rec.state if rec is not None else None,
                             maintenance=bool(rec.maintenance) if rec is not None else False,
                             mismatch=mismatch))
    return AuditReport(rows)


class LazyAuditLog:
    """An ``AuditLog`` that creates its file (and the data dir) on the first entry,
    so a kiosk whose staff never log in leaves nothing on disk."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / AuditLog.FILE
        self._log: AuditLog | None = None
        self._lock = threading.Lock()

    def _get(self) -> AuditLog:
        with self._lock:
            if self._log is None:
                self._log = AuditLog(self.data_dir)
            return self._log

    def append(self, who: str, action: str, result: str, **detail: Any) -> dict[str, Any]:
        return self._get().append(who, action, result, **detail)

    def entries(self, last: int = 200) -> list[dict[str, Any]]:
        return self._get().entries(last) if self.path.exists() else []


# -- health ------------------------------------------------------------------------------

def default_self_test(services: Any) -> dict[str, Any]:
    """``kiosk self-test``'s checks on the running parts."""
    from kiosk.selftest import running_parts

    return running_parts(services)


def process_uptime_s() -> float:
    """Seconds since this process started (Linux /proc), else since this module loaded."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot_uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, boot_uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _T0


def disk_free(path: str | Path) -> dict[str, Any]:
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent  # the data dir may not exist yet: its volume does
    try:
        du = shutil.disk_usage(probe)
    except OSError as exc:
        return {"error": str(exc)}
    return {"free_gb": round(du.free / 1e9, 1), "total_gb": round(du.total / 1e9, 1),
            "free_pct": round(100 * du.free / du.total, 1) if du.total else None}


def camera_health(camera: Any) -> dict[str, Any]:
    if camera is None:
        return {"ok": False, "state": "absent"}
    stats = getattr(camera, "stats", None)
    if stats is not None:
        s = stats()
        age = s.last_frame_age_s
        state = getattr(s.state, "value", str(s.state))
        return {"ok": state in ("live", "starting"), "state": state, "fps": round(s.fps, 1),
                "last_frame_age_s": None if age is None else round(age, 2),
                "reopens": s.reopen_count}
    frame = camera.latest()
    age = None if frame is None else round(time.monotonic() - frame.t_mono, 2)
    return {"ok": frame is not None, "state": "live" if frame is not None else "no frame",
            "fps": None, "last_frame_age_s": age}


def lockouts(alerts: Iterable[Any], now: datetime | None = None) -> list[dict[str, str]]:
    """The identity lockouts (``LockAlert``) still running, the soonest to end
    first: short member id and ``retry_at`` in ISO form (the health page, the bundle)."""
    now = now or datetime.now(UTC)
    running = sorted((a for a in alerts if a.retry_at > now), key=lambda a: a.retry_at)
    return [{"member": a.member, "retry_at": a.retry_at.isoformat()} for a in running]


def backend_health(backend: Any) -> dict[str, Any]:
    """Blocking."""
    t0 = time.monotonic()
    try:
        h = backend.health()
    except KioskError as err:
        return {"ok": False, "reachable": False, "error": err.reason.value,
                "latency_ms": round((time.monotonic() - t0) * 1000, 1)}
    return {"ok": bool(h.ok), "reachable": True, "version": h.version, "db": h.db,
            "latency_ms": round((time.monotonic() - t0) * 1000, 1)}


def lift_health(lift: Any, dispatcher: Any) -> dict[str, Any]:
    """Blocking (one STATUS): call on the lift lane."""
    if lift is None:
        return {"ok": False, "link": "absent"}
    out: dict[str, Any] = {"link": "up" if lift.link_up else "down"}
    if dispatcher is not None:
        out["customer_job"] = bool(getattr(dispatcher, "busy", False))
        try:
            out["unfinished_jobs"] = len(dispatcher.pending())
        except (KioskError, sqlite3.Error, AttributeError):
            out["unfinished_jobs"] = None
    if not lift.link_up:
        out["ok"] = False
        return out
    try:
        st = lift.status()
    except LiftError as err:
        out.update(ok=False, error=answer_of(err))
        return out
    faults = [name_of(f) for f in st.faults]
    out.update(ok=not faults, state=name_of(st.state), level=st.level,
               target_level=st.target_level, faults=faults, car_on_lift=st.car_on_lift,
               doors={str(b): name_of(d) for b, d in sorted(st.doors.items())},
               job_id=st.job_id, job_phase=name_of(st.job_phase))
    return out


# -- serial console ---------------------------------------------------------------------

def describe_frames(chunks: list[tuple[str, bytes]]) -> list[dict[str, str]]:
    """Raw tapped bytes, split into frames per direction, as hex with a name."""
    from drivers.lift_frame import Deframer
    from drivers.lift_proto import REPLY_BIT, Cmd

    deframers: dict[str, Deframer] = {}
    out: list[dict[str, str]] = []
    for direction, data in chunks:
        d = deframers.setdefault(direction, Deframer())
        skipped = d.skipped_bytes
        for frame in d.feed(data):
            base = frame.cmd & ~REPLY_BIT
            try:
                name = Cmd(base).name
            except ValueError:
                name = f"0x{frame.cmd:02x}"
            if frame.cmd & REPLY_BIT:
                name += " reply"
            out.append({"dir": direction, "hex": frame.encode().hex(" "),
                        "what": f"{name} seq={frame.seq}"})
        if d.skipped_bytes != skipped:
            out.append({"dir": direction, "hex": data.hex(" "), "what": "not a frame"})
    return out


# -- diagnostics bundle ----------------------------------------------------------------

def usb_mounts(roots: Iterable[str] = ("/media", "/run/media", "/mnt")) -> list[Path]:
    """Writable removable-media folders (``/media/<user>/<label>`` and the like)."""
    found: list[Path] = []
    for root in map(Path, roots):
        try:
            users = [p for p in root.iterdir() if p.is_dir()]
        except OSError:
            continue
        for p in users:
            try:
                inner = [q for q in p.iterdir() if q.is_dir() and os.path.ismount(q)]
            except OSError:
                inner = []
            candidates = inner or ([p] if os.path.ismount(p) else [])
            found += [q for q in candidates if os.access(q, os.W_OK)]
    return found


def sqlite_backup(src: Path, dst: Path) -> None:
    """A consistent copy of a live SQLite (WAL) file through the backup API."""
    source = sqlite3.connect(str(src), timeout=10.0)
    try:
        target = sqlite3.connect(str(dst))
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def write_bundle(folder: Path, config: Any, *, version: str, self_test: Callable[[], Any],
                 health: dict[str, Any], journal: Path | None, audit: Path | None) -> Path:
    """Zip logs, redacted config, self-test, health, the dispatch journal and the
    staff audit log into ``folder``; returns the zip's path.

    Only these named files go in (never the data dir wholesale, so never a face
    image), and the config's secret values are masked wherever they appear.
    The logs and the audit log also go through the log filter's redaction
    again: a file written by an older build may hold what today's filter masks.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    final = folder / f"kiosk-diagnostics-{config.kiosk.id}-{stamp}.zip"
    part = final.with_name(final.name + ".part")
    hidden = config.secret_values()
    files: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bundle-") as tmp, \
            zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
        def put(name: str, text: str, by_shape: bool = False) -> None:
            if by_shape:
                text = redact(text, hidden)
            for secret in hidden:  # a second net: logs never should hold one
                text = text.replace(secret, "***")
            z.writestr(name, text)
            files.append(name)

        for f in sorted(Path(config.kiosk.log_dir).glob(f"{LOG_FILE}*")):
            put(f"logs/{f.name}", f.read_text(encoding="utf-8", errors="replace"), True)
        put("config.json", json.dumps(config.redacted(), indent=2, default=str))
        put("self_test.json", json.dumps(self_test(), indent=2, default=str))
        put("health.json", json.dumps(health, indent=2, default=str))
        if journal is not None and journal.is_file():
            copy = Path(tmp) / "dispatch.sqlite"
            sqlite_backup(journal, copy)
            z.write(copy, "dispatch.sqlite")
            files.append("dispatch.sqlite")
        if audit is not None and audit.is_file():
            put("staff_audit.jsonl", audit.read_text(encoding="utf-8", errors="replace"), True)
        z.writestr("manifest.json", json.dumps({
            "kiosk_id": config.kiosk.id, "tower_id": config.kiosk.tower_id, "version": version,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": files},
            indent=2))
    with part.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(part, final)
    return final
