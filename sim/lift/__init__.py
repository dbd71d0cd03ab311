"""The tower simulator: ``kiosk-liftsim`` / ``python -m sim.lift``.

``simulator.py`` serves the lift protocol (drivers/LIFT_PROTOCOL.md) on a pty,
TCP or loop link; ``tower.py`` is the tower it moves, ``faults.py`` the faults
it can inject, ``port.py`` the pty it serves on.
"""
