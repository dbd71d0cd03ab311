"""Entry point of the packaged kiosk: ``dist/kiosk/kiosk <command>`` is ``kiosk <command>``.

The bundle is its own interpreter, so the demo's child processes are this
same executable with ``serve-backend`` / ``liftsim`` as the command
(``kiosk.procs.cli_command``).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen executable re-entered as a multiprocessing child must not run the CLI.
    multiprocessing.freeze_support()
    from cli.main import main

    sys.exit(main())
