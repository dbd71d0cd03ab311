"""``python -m cli <command>`` is ``kiosk <command>`` (child processes from a checkout)."""

import sys

from cli.main import main

sys.exit(main())
