"""One module per journey state; ``SCREENS`` maps each State to its screen class."""

from __future__ import annotations

from kiosk.journey import State
from ui.screens.attract import AttractScreen
from ui.screens.choose import ChooseScreen
from ui.screens.dispatch import DispatchScreen
from ui.screens.outcomes import (
    ErrorScreen,
    HandoverScreen,
    OrderedScreen,
    OutOfServiceScreen,
    RefusedScreen,
    ReturnedScreen,
    VerifyScreen,
)
from ui.screens.payment import PaymentScreen
from ui.screens.scan import ScanScreen
from ui.screens.selfie import SelfieScreen

SCREENS = {
    State.ATTRACT: AttractScreen,
    State.SCAN: ScanScreen,
    State.CHOOSE: ChooseScreen,
    State.SELFIE: SelfieScreen,
    State.PAYMENT: PaymentScreen,
    State.VERIFY: VerifyScreen,
    State.DISPATCH: DispatchScreen,
    State.HANDOVER: HandoverScreen,
    State.RETURNED: ReturnedScreen,
    State.ORDERED: OrderedScreen,
    State.REFUSED: RefusedScreen,
    State.ERROR: ErrorScreen,
    State.OUT_OF_SERVICE: OutOfServiceScreen,
}
# State.STAFF is served by ui.staff (StaffController), built by the main window.

__all__ = ["SCREENS"]
