"""Sub-commands of the ``kiosk`` CLI, one module each (see cli/main.py)."""
