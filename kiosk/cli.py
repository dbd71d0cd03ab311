"""Moved to cli/main.py (issue #18). Kept only while the endurance soak started
before the move runs: its supervisor starts workers and children with
``python -m kiosk.cli``. Delete this file once that soak has ended; nothing
else uses it (run_module, not an import: the core never imports the CLI).
"""

if __name__ == "__main__":  # pragma: no cover
    import runpy

    runpy.run_module("cli", run_name="__main__", alter_sys=True)
