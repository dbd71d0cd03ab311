"""``kiosk lift``: staff and field checks against the lift controller.

Every action prints one JSON object as its last line. Exit status: 0 done
(or duplicate), 1 the move failed (a fault), 2 an error (``{"error": ...,
"reason": ...}``: no controller, timeout, refusal, bad arguments).

    kiosk lift --port socket://127.0.0.1:7000 status
    kiosk lift --port /dev/ttyUSB0 bays
    kiosk lift --port /dev/pts/3 move --job 3f2a... --from 7 --to 101
"""

from __future__ import annotations

import argparse
import json
import queue
import time
from typing import Any

from common.errors import KioskError, LiftError, Reason
from drivers.lift_client import LiftClient
from drivers.lift_proto import DoorState, JobDone, JobState, LiftState, LiftStatus
from kiosk.config import load_config

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lift", help="talk to the lift controller (prints JSON)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", help="pyserial URL: /dev/ttyUSB0, socket://HOST:PORT, loop:// "
                                  "(default: [lift] url from the config)")
    p.add_argument("--config", help="kiosk config file (for the default port and timeouts)")
    p.add_argument("--baud", type=int, default=None, help="default: [lift] baudrate")
    p.add_argument("--timeout", type=float, default=5.0,
                   help="seconds to wait for the controller to answer at all")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    actions.add_parser("status", help="lift state, level, faults, doors")
    actions.add_parser("bays", help="bay occupancy from the controller's sensors")
    actions.add_parser("home", help="send the empty lift to the lobby level")
    actions.add_parser("ack-fault", help="acknowledge faults (after the cause is cleared)")
    door = actions.add_parser("door", help="open or close a delivery bay door")
    door.add_argument("direction", choices=("open", "close"))
    door.add_argument("--bay", type=int, default=None, help="default: the first delivery bay")
    move = actions.add_parser("move", help="move a car and wait for the outcome")
    move.add_argument("--job", required=True, help="job id (1..32 printable ASCII)")
    move.add_argument("--from", dest="from_bay", type=int, required=True)
    move.add_argument("--to", dest="to_bay", type=int, required=True)
    move.add_argument("--wait-s", type=float, default=None,
                      help="give up waiting after this long (default: [lift] move_timeout_s)")
    p.set_defaults(func=run)


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, sort_keys=True, default=str), flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config).lift
        url = args.port or cfg.url
        client = LiftClient(url, ack_timeout_s=cfg.ack_timeout_s,
                            reply_timeout_s=cfg.reply_timeout_s, max_resends=cfg.max_resends,
                            baudrate=args.baud or cfg.baudrate)
        wait_s = args.wait_s if getattr(args, "wait_s", None) is not None else cfg.move_timeout_s
        client.open(wait_s=args.timeout)
        try:
            result, code = ACTIONS[args.action](client, args, wait_s)
        finally:
            client.close()
    except KioskError as exc:
        _emit({"error": str(exc), **exc.to_dict()})
        return EXIT_ERROR
    _emit(result)
    return code


def _status_dict(s: LiftStatus) -> dict[str, Any]:
    return {"state": s.state.name.lower(), "level": s.level, "target_level": s.target_level,
            "faults": [f.name for f in s.faults], "car_on_lift": s.car_on_lift,
            "doors": {str(b): d.name.lower() for b, d in sorted(s.doors.items())},
            "job_id": s.job_id, "job_phase": s.job_phase.name.lower()}


def _job_dict(job: JobState) -> dict[str, Any]:
    return {"job": job.job_id, "from": job.from_bay, "to": job.to_bay,
            "phase": job.phase.name.lower(), "car_moved": job.car_moved,
            "fault": None if not job.fault else job.fault.name, "level": job.level}


def _status(client: LiftClient, args: argparse.Namespace, wait_s: float
            ) -> tuple[dict[str, Any], int]:
    return _status_dict(client.status()), EXIT_OK


def _bays(client: LiftClient, args: argparse.Namespace, wait_s: float
          ) -> tuple[dict[str, Any], int]:
    m = client.bay_map()
    return ({"bays": [{"id": b, "occupied": occ} for b, occ in m.bays],
             "delivery_bays": list(m.delivery_bays)}, EXIT_OK)


def _until_idle(client: LiftClient, wait_s: float) -> LiftStatus:
    deadline = time.monotonic() + wait_s
    while True:
        s = client.status()
        if s.state is not LiftState.BUSY:
            return s
        if time.monotonic() >= deadline:
            raise LiftError("the lift is still busy", reason=Reason.LIFT_TIMEOUT)
        time.sleep(0.2)  # polling a machine that moves in seconds


def _home(client: LiftClient, args: argparse.Namespace, wait_s: float
          ) -> tuple[dict[str, Any], int]:
    client.home()
    s = _until_idle(client, wait_s)
    return {"result": "ok", **_status_dict(s)}, EXIT_OK


def _ack_fault(client: LiftClient, args: argparse.Namespace, wait_s: float
               ) -> tuple[dict[str, Any], int]:
    client.ack_fault()
    return {"result": "ok", **_status_dict(client.status())}, EXIT_OK


def _door(client: LiftClient, args: argparse.Namespace, wait_s: float
          ) -> tuple[dict[str, Any], int]:
    bay = args.bay
    if bay is None:
        delivery = client.bay_map().delivery_bays
        if not delivery:
            raise LiftError("the controller reports no delivery bay", reason=Reason.LIFT_REJECTED)
        bay = delivery[0]
    (client.open_door if args.direction == "open" else client.close_door)(bay)
    s = _until_idle(client, wait_s)
    door = s.doors.get(bay, DoorState.CLOSED)
    ok = door is (DoorState.OPEN if args.direction == "open" else DoorState.CLOSED)
    return ({"result": "ok" if ok else "failed", "bay": bay, "door": door.name.lower(),
             "faults": [f.name for f in s.faults]}, EXIT_OK if ok else EXIT_FAILED)


def _move(client: LiftClient, args: argparse.Namespace, wait_s: float
          ) -> tuple[dict[str, Any], int]:
    done: queue.Queue[JobState] = queue.Queue()
    # Subscribe before sending: JOB_DONE may come right after the reply.
    unsubscribe = client.on_event(
        lambda ev: done.put(ev.job) if isinstance(ev, JobDone) and ev.job.job_id == args.job
        else None)
    started = time.monotonic()
    try:
        accepted = client.move(args.job, args.from_bay, args.to_bay)
        if accepted.duplicate:
            return {"result": "duplicate", **_job_dict(accepted.job)}, EXIT_OK
        job = accepted.job
        deadline = started + wait_s
        while not job.phase.final:
            if time.monotonic() >= deadline:
                raise LiftError("the move did not finish in time", reason=Reason.LIFT_TIMEOUT,
                                **_job_dict(job))
            try:
                job = done.get(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                job = client.job_status(args.job)  # a lost JOB_DONE is found by polling
    finally:
        unsubscribe()
    ok = job.phase.name == "DONE"
    return ({"result": "done" if ok else "failed", **_job_dict(job),
             "elapsed_s": round(time.monotonic() - started, 2)}, EXIT_OK if ok else EXIT_FAILED)


ACTIONS = {"status": _status, "bays": _bays, "home": _home, "ack-fault": _ack_fault,
           "door": _door, "move": _move}
