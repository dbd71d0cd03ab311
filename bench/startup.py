"""``kiosk bench startup``: process start to the first painted screen.

One reference backend and one tower simulator are started once (the demo
stack); each run then starts a fresh ``kiosk run --windowed --config <toml>``
offscreen with ``KIOSK_EXIT_AFTER_FIRST_SCREEN=1``: the app prints a marker
as soon as the attract screen has been painted and quits. The time is taken
from just before the process is spawned to the moment the marker line is
read, so it includes interpreter start-up, imports, config, opening the
backend/camera/lift, building the window and the first paint. Models load
after that, in the background, and are not part of the figure.

Runs are "cold process, warm file cache": dropping the page cache needs root
and would slow every other job on the machine. Source runs get a private
bytecode cache (``PYTHONPYCACHEPREFIX``; the environment may set
``PYTHONDONTWRITEBYTECODE`` and uv installs without .pyc files), so the first
start of a series compiles every module: it is reported apart as
``first_run_ms`` and not counted in the median. The packaged kiosk carries
compiled bytecode, so its first run is just its first run. The load average
is reported too: on a shared machine it explains most of the spread.

If ``dist/kiosk/kiosk`` exists (``make build``), the packaged executable is
measured the same way, interleaved with the source runs so a busy machine
slows both alike.
"""

from __future__ import annotations

import argparse
import os
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common.errors import KioskError, Reason
from kiosk.procs import cli_command

MARKER = "KIOSK_FIRST_SCREEN"
EXIT_ENV = "KIOSK_EXIT_AFTER_FIRST_SCREEN"
RUN_TIMEOUT_S = 120.0
DEFAULT_BUNDLE = Path(__file__).resolve().parents[2] / "dist" / "kiosk" / "kiosk"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, default=5, help="cold starts per variant (default 5)")
    p.add_argument("--bundle", default=str(DEFAULT_BUNDLE),
                   help="packaged executable to measure too, if it exists")
    p.add_argument("--no-bundle", action="store_true", help="measure from source only")


def write_config(path: Path, stack: Any, workdir: Path) -> Path:
    """A kiosk.toml for the running demo backend and simulator (synthetic camera)."""
    cfg = stack.config
    path.write_text(
        "[kiosk]\n"
        f'id = "{cfg.kiosk.id}"\n'
        f'tower_id = "{cfg.kiosk.tower_id}"\n'
        "kiosk_mode = false\n"
        f'data_dir = "{workdir / "data"}"\n'
        f'log_dir = "{workdir / "logs"}"\n'
        'log_level = "WARNING"\n'
        "[backend]\n"
        f'url = "{cfg.backend.url}"\n'
        f'kiosk_key = "{cfg.backend.kiosk_key}"\n'
        "[camera]\n"
        'url = "synthetic:?fps=30&w=1280&h=720"\n'
        "[lift]\n"
        f'url = "{cfg.lift.url}"\n',
        encoding="utf-8")
    return path


def one_start(argv: list[str], env: dict[str, str], cwd: Path,
              timeout_s: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """Start the app once; ms until the first-screen marker, and its exit code."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    assert proc.stdout is not None
    ms: float | None = None
    reported: str | None = None
    buf = b""
    deadline = t0 + timeout_s
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while ms is None and time.monotonic() < deadline:
                if not sel.select(timeout=0.5):
                    if proc.poll() is not None:
                        break
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                for line in buf.decode("utf-8", "replace").splitlines():
                    if line.startswith(MARKER):
                        ms = (time.monotonic() - t0) * 1000
                        reported = line[len(MARKER):].strip()
                        break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        code = None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
    if ms is None:
        raise KioskError(f"no first screen from {argv[0]} (exit {code})", reason=Reason.INTERNAL)
    return {"ms": round(ms, 1), "exit": code, "app_reported_ms": reported}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from sim.demo import DemoStack

    runs = max(1, int(args.runs))
    bundle = None if args.no_bundle else Path(args.bundle)
    if bundle is not None and not bundle.is_file():
        bundle = None
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-startup-") as tmp, \
            DemoStack(Path(tmp) / "stack") as stack:
        work = Path(tmp)
        config = write_config(work / "kiosk.toml", stack, work)
        _wait_for_demo_member(stack)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(work / "pyc"),
                   **{EXIT_ENV: "1"})
        for key in ("NOTIFY_SOCKET", "PYTHONDONTWRITEBYTECODE", "WATCHDOG_USEC"):
            env.pop(key, None)
        variants = {"source": cli_command("run", "--windowed", "--config", str(config))}
        if bundle is not None:
            variants["packaged"] = [str(bundle), "run", "--windowed", "--config", str(config)]
        first = {name: one_start(argv, env, work) for name, argv in variants.items()}
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, argv in variants.items():
                results[name].append(one_start(argv, env, work))
                print(f"{name}: {results[name][-1]['ms']:.0f} ms", file=sys.stderr)
    out: dict[str, Any] = {
        "first_screen_ms": round(statistics.median(r["ms"] for r in results["source"]), 1),
        "runs": [r["ms"] for r in results["source"]],
        "first_run_ms": first["source"]["ms"],
        "target_ms": 1500,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    if "packaged" in results:
        out.update(packaged_first_screen_ms=round(
            statistics.median(r["ms"] for r in results["packaged"]), 1),
            packaged_runs=[r["ms"] for r in results["packaged"]],
            packaged_first_run_ms=first["packaged"]["ms"],
            packaged_target_ms=3000, bundle=str(bundle))
    return out


def _wait_for_demo_member(stack: Any) -> None:
    """The demo actor builds its synthetic member in the background (seconds of
    CPU): let it finish so it does not compete with the runs being timed."""
    member = getattr(stack.actor, "member", None)
    if callable(member):
        try:
            member()
        except KioskError:
            pass  # only the demo's selfie needs it; start-up does not
