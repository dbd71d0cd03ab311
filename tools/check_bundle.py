"""Prove the packaged kiosk stands alone: ``python tools/check_bundle.py dist/kiosk``.

Runs the bundle the way a tower would: a scrubbed environment (no virtualenv
or source tree on PATH, no PYTHONPATH/PYTHONHOME, a throw-away HOME so no
user config or data is reused), the working directory a temp folder outside
the repository, ``QT_QPA_PLATFORM=offscreen``. Then:

1. ``kiosk self-test`` must exit 0, report ``"ok": true``, a frozen build with
   BUILD_INFO, and assets read from inside the bundle;
2. ``kiosk autopilot --scenario happy`` must end with outcome ``handover``.

Prints one JSON object (last line) with the times and the bundle size and
exits 0 only if both passed. Everything it starts is tagged with an
environment marker and killed by that marker if a step times out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundle_manifest import APP_NAME, tree_size_bytes  # noqa: E402

MARKER = "KIOSK_BUNDLE_CHECK"
SELF_TEST_TIMEOUT_S = 240.0
AUTOPILOT_TIMEOUT_S = 420.0


def scrubbed_env(home: Path, tmp: Path, marker: str) -> dict[str, str]:
    """Only what a service manager would give the kiosk, plus the marker."""
    env = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(tmp),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp),
        MARKER: marker,
    }
    for key in ("USER", "LOGNAME"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _marked_pids(marker: str) -> list[int]:
    """Our processes: those whose environment carries this run's marker."""
    needle = f"{MARKER}={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def kill_marked(marker: str) -> list[int]:
    pids = _marked_pids(marker)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def run_step(argv: list[str], env: dict[str, str], cwd: Path, timeout_s: float,
             log_path: Path) -> dict[str, Any]:
    """Run one command; return exit code, seconds, and its last JSON line."""
    t0 = time.monotonic()
    with open(log_path, "wb") as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=err,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout_s)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            code = None
    seconds = round(time.monotonic() - t0, 2)
    last = _last_json(out.decode("utf-8", "replace"))
    return {"exit": code, "seconds": seconds, "result": last, "timed_out": code is None}


def _last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def check_self_test(step: dict[str, Any], bundle: Path) -> list[str]:
    problems = []
    res = step["result"] or {}
    if step["exit"] != 0:
        problems.append(f"self-test exit {step['exit']}")
    if not res.get("ok"):
        bad = {k: v.get("error") or v.get("reason")
               for k, v in (res.get("components") or {}).items() if not v.get("ok")}
        problems.append(f"self-test not ok: {bad}")
    if not (res.get("build") or {}).get("frozen"):
        problems.append("self-test does not report a frozen build (BUILD_INFO.json missing?)")
    assets = ((res.get("components") or {}).get("fonts_translations") or {}).get("detail") or {}
    where = assets.get("assets") if isinstance(assets, dict) else None
    if where and not Path(where).resolve().is_relative_to(bundle.resolve()):
        problems.append(f"assets were read from outside the bundle: {where}")
    return problems


def check_autopilot(step: dict[str, Any], expect: str) -> list[str]:
    res = step["result"] or {}
    if res.get("outcome") != expect or step["exit"] != 0:
        return [f"autopilot ended with {res.get('outcome')!r} (exit {step['exit']}), "
                f"expected {expect!r}"]
    return []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", nargs="?", default="dist/kiosk", help="the one-folder bundle")
    p.add_argument("--scenario", default="happy")
    p.add_argument("--expect", default="handover")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    args = p.parse_args(argv)

    bundle = Path(args.bundle).resolve()
    exe = bundle / APP_NAME
    if not exe.is_file():
        print(json.dumps({"ok": False, "error": f"no executable at {exe}"}))
        return 2
    marker = uuid.uuid4().hex
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-bundle-check-"))
    home, tmp, cwd = scratch / "home", scratch / "tmp", scratch / "cwd"
    for d in (home, tmp, cwd):
        d.mkdir()
    env = scrubbed_env(home, tmp, marker)
    report: dict[str, Any] = {"bundle": str(bundle),
                              "size_mb": round(tree_size_bytes(bundle) / 2**20, 1)}
    problems: list[str] = []
    try:
        st = run_step([str(exe), "self-test"], env, cwd, SELF_TEST_TIMEOUT_S,
                      scratch / "self-test.log")
        problems += check_self_test(st, bundle)
        report["self_test"] = {"exit": st["exit"], "seconds": st["seconds"],
                               "ok": bool((st["result"] or {}).get("ok")),
                               "build": (st["result"] or {}).get("build")}
        ap = run_step([str(exe), "autopilot", "--scenario", args.scenario], env, cwd,
                      AUTOPILOT_TIMEOUT_S, scratch / "autopilot.log")
        problems += check_autopilot(ap, args.expect)
        res = ap["result"] or {}
        report["autopilot"] = {"exit": ap["exit"], "seconds": ap["seconds"],
                               "scenario": args.scenario, "outcome": res.get("outcome"),
                               "journey_s": res.get("seconds")}
    finally:
        leaked = kill_marked(marker)
        if leaked:
            problems.append(f"{len(leaked)} process(es) were left running and were killed")
        if args.keep or problems:
            report["logs"] = str(scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    report["ok"] = not problems
    report["problems"] = problems
    print(json.dumps(report, sort_keys=True))
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
