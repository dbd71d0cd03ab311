"""Choose: the model (unless the pass preselected one), then the colour.

Out-of-stock colours stay on screen, greyed and disabled: a member should see
that the tower has the car in red, just not today. The buy flow picks a model
only. Every option is a large card with the car drawn in its colour.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from common.errors import Reason
from kiosk.journey import Flow, State
from ui.art import car_icon, model_icon
from ui.car_names import colour_label, colour_swatch, model_name, option_colour_label
from ui.messages import reason_message
from ui.messages_rules import drove_on, format_day
from ui.screens.base import Screen
from ui.widgets import Spinner, button, cancel_button, footer, hbox, label, vbox

COLUMNS = 4
TILE = QSize(276, 210)
TILE_ICON = QSize(240, 100)
# Three models or fewer: larger tiles, so the page is not an empty lower half.
BIG_TILE = QSize(360, 300)
BIG_TILE_ICON = QSize(320, 150)


def tile_size(count: int) -> tuple[QSize, QSize]:
    """(tile, icon) for a page of ``count`` tiles."""
    return (BIG_TILE, BIG_TILE_ICON) if count <= 3 else (TILE, TILE_ICON)


def tile_colours(models: dict[str, list[Any]]) -> dict[str, str]:
    """The colour each model's tile shows: one in stock that no earlier tile
    shows, where the tower has one (three black cars looked alike)."""
    shown: dict[str, str] = {}
    for model, opts in models.items():
        in_stock = [str(o.colour) for o in opts if _count(o) > 0] or [str(o.colour) for o in opts]
        used = {colour_swatch(c) for c in shown.values()}
        shown[model] = next((c for c in in_stock if colour_swatch(c) not in used), in_stock[0])
    return shown


def _option_tile(name: str, size: QSize, icon_size: QSize) -> QToolButton:
    tile = QToolButton()
    tile.setObjectName(name)
    tile.setProperty("role", "tile")
    tile.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    tile.setIconSize(icon_size)
    # Fixed width; the height grows with the text (large text mode).
    tile.setFixedWidth(size.width())
    tile.setMinimumHeight(size.height())
    tile.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    tile.setCursor(Qt.CursorShape.PointingHandCursor)
    tile.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return tile


def _grid_page() -> tuple[QScrollArea, QGridLayout]:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    inner = QWidget()
    inner.setProperty("role", "transparent")
    grid = QGridLayout(inner)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(20)
    grid.setAlignment(Qt.AlignmentFlag.AlignCenter)
    area.setWidget(inner)
    # Drag to scroll with a finger, like a phone.
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    return area, grid


def _clear(grid: QGridLayout) -> None:
    while grid.count():
        item = grid.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()


class ChooseScreen(Screen):
    state = State.CHOOSE

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        outer = vbox(self, spacing=0)
        root = vbox(margins=(56, 20, 56, 12), spacing=14)
        outer.addLayout(root, 1)
        self.title = label("title")
        self.subtitle = label("lead")
        root.addWidget(self.title)
        root.addWidget(self.subtitle)

        self.pages = QStackedWidget()
        self.models_area, self.models_grid = _grid_page()
        self.colours_area, self.colours_grid = _grid_page()
        self.loading = QWidget()
        load_lay = vbox(self.loading, spacing=16)
        load_lay.addStretch(1)
        self.spinner = Spinner(88)
        load_lay.addLayout(hbox(None, self.spinner, None))
        self.loading_text = label("lead", align=Qt.AlignmentFlag.AlignHCenter)
        load_lay.addWidget(self.loading_text)
        load_lay.addStretch(1)
        for page in (self.loading, self.models_area, self.colours_area):
            self.pages.addWidget(page)
        root.addWidget(self.pages, 1)

        self.notice = label("notice")
        self.notice.hide()
        root.addWidget(self.notice)
        self.btn_back = button("btn_back", role="secondary")
        self.btn_back.clicked.connect(self.show_models)
        self.btn_cancel = cancel_button()
        self.btn_cancel.clicked.connect(self.kiosk.cancel)
        # Buy offered for a model the member drove too recently to test again.
        self.btn_buy_model = button("btn_buy_model", role="secondary")
        self.btn_buy_model.clicked.connect(self._buy_clicked)
        self.buy_model: str | None = None
        self.buy_model_shown: str | None = None
        self.busy_spinner = Spinner(56)
        self.busy_text = label("lead")
        outer.addLayout(footer(self.btn_cancel, self.btn_back, self.btn_buy_model, None,
                               self.busy_spinner, self.busy_text))

        self.options: list[Any] | None = None
        self.model: str | None = None
        self.busy = False
        self.notice_reason: Any = None
        self.notice_context: dict[str, Any] = {}
        self.tiles: dict[str, QToolButton] = {}
        bridge.options.connect(self.on_options)
        bridge.notice.connect(self.on_notice)
        self.retranslate()

    # -- journey ---------------------------------------------------------------
    def enter(self) -> None:
        self.options, self.model, self.busy, self.notice_reason = None, None, False, None
        self.tiles = {}  # the last member's tiles are no longer the stock
        self.notice_context: dict[str, Any] = {}
        self.buy_model = None
        self.notice.hide()
        self._set_busy(False)
        self.pages.setCurrentWidget(self.loading)
        super().enter()

    def leave(self) -> None:
        self._set_busy(False)

    @property
    def flow(self) -> Flow | None:
        return self.session.flow

    def on_options(self, options: Any) -> None:
        self.options = list(options or [])
        self._set_busy(False)
        models = self._models()
        preselected = self.session.model
        if self.model is None and self.flow is not Flow.BUY and preselected in models:
            self.model = preselected
        if self.model is not None and self.model in models and self.flow is not Flow.BUY:
            self.show_colours(self.model)
        else:
            self.show_models()

    def on_notice(self, err: Any) -> None:
        if self.kiosk.journey.state is not State.CHOOSE:
            return
        self.notice_reason = getattr(err, "reason", Reason.CAR_UNAVAILABLE)
        self.notice_context = dict(getattr(err, "context", {}) or {})
        self._set_busy(False)
        if self.notice_reason is Reason.MODEL_ALREADY_DRIVEN:
            # Back to the models: another one, or Buy this one.
            self.buy_model = self.notice_context.get("model") or self.model
            self.show_models()
            return
        self._render_notice()

    # -- pages -----------------------------------------------------------------
    def _models(self) -> dict[str, list[Any]]:
        models: dict[str, list[Any]] = {}
        for opt in self.options or []:
            models.setdefault(str(opt.model), []).append(opt)
        return models

    def show_models(self) -> None:
        self.model = None
        _clear(self.models_grid)
        self.tiles = {}
        models = self._models()
        size, icon = tile_size(len(models))
        shown = tile_colours(models)
        for i, (model, opts) in enumerate(models.items()):
            tile = _option_tile(f"btn_model_{model}", size, icon)
            in_stock = [o for o in opts if _count(o) > 0]
            swatches = [colour_swatch(str(o.colour)) for o in (in_stock or opts)]
            tile.setIcon(model_icon(colour_swatch(shown[model]), self.car_style(model),
                                    swatches, icon.width(), icon.height()))
            tile.setEnabled(self.flow is Flow.BUY or bool(in_stock))
            tile.clicked.connect(lambda _=False, m=model: self._model_clicked(m))
            tile.setProperty("model", model)
            self.models_grid.addWidget(tile, i // COLUMNS, i % COLUMNS)
            self.tiles[tile.objectName()] = tile
        self.pages.setCurrentWidget(self.models_area)
        self.retranslate()

    def show_colours(self, model: str) -> None:
        self.model = model
        _clear(self.colours_grid)
        self.tiles = {}
        opts = self._models().get(model, [])
        size, icon = tile_size(len(opts))
        for i, opt in enumerate(opts):
            colour = str(opt.colour)
            tile = _option_tile(f"btn_colour_{colour}", size, icon)
            tile.setIcon(car_icon(colour_swatch(colour), self.car_style(model), icon.width(),
                                  icon.height()))
            tile.setEnabled(_count(opt) > 0)
            tile.setProperty("colour", colour)
            tile.clicked.connect(lambda _=False, c=colour: self._colour_clicked(c))
            self.colours_grid.addWidget(tile, i // COLUMNS, i % COLUMNS)
            self.tiles[tile.objectName()] = tile
        self.pages.setCurrentWidget(self.colours_area)
        self.retranslate()

    def _model_clicked(self, model: str) -> None:
        if self.busy:
            return
        if self.flow is Flow.BUY:
            self.model = model
            self._set_busy(True)
            self.kiosk.choose(model)
            return
        self.show_colours(model)

    def _colour_clicked(self, colour: str) -> None:
        if self.busy or self.model is None:
            return
        self.notice_reason = None
        self.notice.hide()
        self._set_busy(True)
        self.kiosk.choose(self.model, colour)

    def _recent(self, model: str) -> Any:
        eligibility = self.session.eligibility
        return eligibility.recent(model) if eligibility is not None else None

    def _buy_clicked(self) -> None:
        if self.busy or not self.buy_model_shown:
            return
        self._set_busy(True)
        self.kiosk.buy_instead(self.buy_model_shown)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_spinner.setVisible(busy)
        self.busy_text.setVisible(busy)
        for tile in self.tiles.values():
            tile.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, busy)
        self.btn_back.setEnabled(not busy)

    # -- texts -----------------------------------------------------------------
    def _render_notice(self) -> None:
        if self.notice_reason is None:
            self.notice.hide()
            return
        context = dict(self.notice_context)
        if context.get("model"):
            context["model_name"] = self.model_display(str(context["model"]))
        msg = reason_message(self.notice_reason, context)
        self.notice.setText(f"{msg.body} {msg.next_step}")
        self.notice.show()

    def retranslate(self) -> None:
        buying = self.flow is Flow.BUY
        on_colours = self.pages.currentWidget() is self.colours_area
        if buying:
            self.title.setText(self.tr("Which model would you like to buy?"))
            self.subtitle.setText(self.tr("You'll finish your order in the app."))
        elif on_colours and self.model:
            opts = self._models().get(self.model, [])
            name = model_name(opts[0]) if opts else self.model
            self.title.setText(self.tr("Choose a colour for your {model}").format(model=name))
            self.subtitle.setText(self.tr("Greyed-out colours aren't in this tower today."))
        else:
            self.title.setText(self.tr("Choose your car"))
            self.subtitle.setText(self.tr("These cars are in this tower now."))
        self.loading_text.setText(self.tr("Looking at what's in the tower…"))
        self.busy_text.setText(self.tr("Preparing your order…") if buying
                               else self.tr("Reserving your car…"))
        self.btn_cancel.setText(self.tr("Cancel"))
        self.btn_back.setText(self.tr("Other models"))
        self.btn_back.setVisible(on_colours and len(self._models()) > 1)
        models = self._models()
        for tile in self.tiles.values():
            model = tile.property("model")
            colour = tile.property("colour")
            if colour:
                opt = next((o for o in models.get(self.model or "", []) if o.colour == colour),
                           None)
                line2 = (self.tr("Not in stock") if opt is None or _count(opt) <= 0
                         else self.tr("Available"))
                tile.setText(f"{option_colour_label(opt) if opt else colour_label(colour)}\n"
                             f"{line2}")
            elif model:
                opts = models.get(model, [])
                total = sum(_count(o) for o in opts)
                recent = None if buying else self._recent(model)
                if buying:
                    line2 = self.tr("Order in the app")
                elif recent is not None:
                    line2 = self.tr("Driven on {day}").format(
                        day=format_day(recent.driven_at))
                elif total > 0:
                    line2 = self.tr("%n available", "", total)
                else:
                    line2 = self.tr("Not in stock today")
                tile.setText(f"{model_name(opts[0]) if opts else model}\n{line2}")
        self._render_notice()
        self._render_buy(buying, on_colours)

    def _render_buy(self, buying: bool, on_colours: bool) -> None:
        """Buy for a model driven too recently: the one just refused, else the
        first such model on the model page."""
        if not buying and not on_colours and self.buy_model is None:
            recent = next((m for m in self._models() if self._recent(m) is not None), None)
            if recent is not None and self.notice_reason is None:
                r = self._recent(recent)
                self.notice.setText(drove_on(self.model_display(recent), r.driven_at) + ".")
                self.notice.show()
            model = recent
        else:
            model = self.buy_model
        shown = bool(model) and not buying and not on_colours
        self.btn_buy_model.setVisible(shown)
        self.buy_model_shown = model if shown else None
        if shown:
            self.btn_buy_model.setText(self.tr("Buy the {model}").format(
                model=self.model_display(model)))


def _count(option: Any) -> int:
    try:
        return int(getattr(option, "available_count", 0) or 0)
    except (TypeError, ValueError):
        return 0

