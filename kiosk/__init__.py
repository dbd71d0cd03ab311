"""Tower kiosk core: the journey, config, vision, backend client, dispatch. No Qt here."""

__version__ = "0.1.0"
