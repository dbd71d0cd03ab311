"""Entry points: the ``kiosk`` command and its sub-commands (cli/commands/).

The top layer: the only package that may start Qt (ui/), the core (kiosk/),
the demo, the benchmarks and the backend's own process side by side.
"""
