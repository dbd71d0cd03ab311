"""Staff maintenance mode: PIN keypad, health, lift control, audit, service (issue 7)."""

from ui.staff.controller import StaffController

__all__ = ["StaffController"]
