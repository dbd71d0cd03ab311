"""``kiosk run``: the kiosk app (full screen, or ``--windowed`` for development).

The configuration is validated before anything else starts: a bad value is
reported with its key and the command exits 2 without opening a window, so a
half-configured kiosk never takes a customer. Qt is imported only here,
inside the command, so other commands never load it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the kiosk app")
    p.add_argument("--demo", action="store_true",
                   help="start the demo backend, tower simulator and demo camera too")
    p.add_argument("--windowed", action="store_true",
                   help="a normal 1280x800 window instead of full screen kiosk mode")
    p.add_argument("--config", metavar="FILE", help="TOML configuration file")
    p.add_argument("--language", choices=("en", "zh_CN"),
                   help="start-up language (default: kiosk.language from the config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from common import heap
    from common.errors import ConfigError, KioskError, Reason

    heap.limit_arenas()  # before any thread starts (common/heap.py)
    from kiosk.config import load_config

    try:
        config = load_config(args.config)
    except ConfigError as err:
        key = err.context.get("key", "?")
        print(f"kiosk run: bad configuration ({key}): {err}", file=sys.stderr)
        return EXIT_CONFIG
    from kiosk.logs import setup_logging

    # The demo keeps its logs in its own folder (the staff log viewer and the
    # diagnostics bundle read that one): until it exists, the console only,
    # so a demo never writes into the installed kiosk's log folder.
    setup_logging(None if args.demo else config.kiosk.log_dir, config.kiosk.log_level,
                  secrets=config.secret_values())
    try:
        from kiosk.wiring import build_services
    except ModuleNotFoundError as exc:
        if exc.name != "kiosk.wiring":
            raise
        print("kiosk run: this build has no kiosk.wiring (the parts cannot be started yet)",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    language = args.language or config.kiosk.language
    windowed = args.windowed or not config.kiosk.kiosk_mode
    from kiosk.app import Kiosk
    from kiosk.tasks import TaskRunner
    from ui.app import make_poster, run_app

    try:
        with contextlib.ExitStack() as parts:
            demo_stack = None
            if args.demo:
                from sim.demo import DemoStack

                demo_stack = parts.enter_context(DemoStack())
            services = parts.enter_context(build_services(config, demo_stack=demo_stack))
            if args.demo:
                demo = services.config
                setup_logging(demo.kiosk.log_dir, config.kiosk.log_level,
                              secrets=(*config.secret_values(), *demo.secret_values()))
            poster = make_poster()
            kiosk = Kiosk(services, TaskRunner(poster))
            director = None
            if args.demo:
                from sim.demo import DemoDirector

                director = DemoDirector(kiosk, services.demo)
            # Models warm up after the first screen (ui.lockdown.FieldRuntime).
            kiosk.start_up()
            try:
                return run_app(kiosk, windowed, language)
            finally:
                if director is not None:
                    director.close()
                poster.close()
                kiosk.shutdown()
    except ConfigError as err:
        print(f"kiosk run: bad configuration ({err.context.get('key', '?')}): {err}",
              file=sys.stderr)
        return EXIT_CONFIG
    except KioskError as err:
        if err.reason is Reason.CONFIG_INVALID:
            # A value only its part can judge (a camera URL's scheme): still the
            # config's fault, so exit 2, which the systemd unit does not restart.
            print(f"kiosk run: bad configuration: {err}", file=sys.stderr)
            return EXIT_CONFIG
        print(f"kiosk run: cannot start: {err} [{err.reason.value}]", file=sys.stderr)
        return EXIT_UNAVAILABLE
