"""``python -m sim.lift`` is ``kiosk-liftsim``."""

import sys

from sim.lift.simulator import main

sys.exit(main())
