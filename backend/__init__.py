"""The reference eligibility service for tower kiosks (FastAPI + SQLAlchemy).

Start it with ``kiosk-backend`` (``backend.__main__``) or, in-process, with
``backend.server.BackendServer``. It imports nothing from the kiosk.
"""

__version__ = "0.1.0"
