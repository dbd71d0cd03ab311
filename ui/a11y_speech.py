"""Read aloud: what a screen says, spoken in the member's language.

The text comes from the screen itself (``screen_instructions``: its visible
labels in reading order, then the buttons it offers), so it is always what
the screen shows now, already translated. The speaker (``drivers/speech.py``)
blocks while it talks, so it runs through the kiosk's TaskRunner on a lane
of its own ("speech", one worker: utterances never overlap); a new request
first stops the one in progress.
"""

from __future__ import annotations

import logging
import re
from enum import Enum
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Signal
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from drivers.speech import Speaker, SpeechError, SpeechStatus, open_speaker

log = logging.getLogger(__name__)

SPEECH_LANE = "speech"
_CJK = re.compile(r"[\u3400-\u9fff]")


class ReadState(str, Enum):
    IDLE = "idle"
    SPEAKING = "speaking"
    UNAVAILABLE = "unavailable"  # the last try failed; ``ReadAloud.problem`` says why


def problem_text(status: SpeechStatus) -> str:
    """Why Read aloud cannot speak, as the member reads it."""
    if status is SpeechStatus.DISABLED:
        return QCoreApplication.translate("ReadAloud", "Read aloud is switched off on this kiosk.")
    if status is SpeechStatus.MISSING:
        return QCoreApplication.translate(
            "ReadAloud", "Read aloud is not available: this kiosk has no speech engine. "
                         "Please ask staff for help.")
    if status is SpeechStatus.NO_VOICE:
        return QCoreApplication.translate("ReadAloud", "Read aloud has no voice for this language.")
    if status is SpeechStatus.NO_AUDIO:
        return QCoreApplication.translate(
            "ReadAloud", "Read aloud is not available: this kiosk has no loudspeaker. "
                         "Please ask staff for help.")
    return QCoreApplication.translate("ReadAloud", "Read aloud failed. Please try again or ask staff.")


def _reading_order(root: QWidget, widgets: list[QWidget]) -> list[QWidget]:
    def key(w: QWidget) -> tuple[int, int]:
        p = w.mapTo(root, QPoint(0, 0))
        return (p.y() // 24, p.x())  # same line (within 24 px): left to right
    return sorted(widgets, key=key)


def screen_instructions(root: QWidget) -> str:
    """The visible texts of ``root`` in reading order, then its buttons."""
    labels = [w for w in root.findChildren(QLabel)
              if w.isVisibleTo(root) and w.text().strip()]
    lines = [" ".join(w.text().split()) for w in _reading_order(root, labels)]
    buttons = [b for b in root.findChildren(QAbstractButton)
               if b.isVisibleTo(root) and b.isEnabled() and b.text().strip()]
    names = [" ".join(b.text().split()) for b in _reading_order(root, buttons)]
    if names:
        # TRANSLATORS: the list of the screen's buttons read after its texts.
        lead = QCoreApplication.translate("ReadAloud", "Buttons:")
        comma = QCoreApplication.translate("ReadAloud", ", ")
        lines.append(lead + ("" if lead.endswith("：") else " ") + comma.join(names))
    return "\n".join(_with_stop(line) for line in lines)


def _with_stop(line: str) -> str:
    """A line without its own full stop still pauses the voice (。 in Chinese)."""
    if line[-1] in ".!?。！？：:":
        return line
    return line + ("。" if _CJK.search(line) else ".")


class ReadAloud(QObject):
    """Speaks texts one at a time; ``state_changed`` drives the bar's button."""

    state_changed = Signal(str)  # ReadState value

    def __init__(self, speaker: Speaker, runner: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self.runner = runner
        self.state = ReadState.IDLE
        self.problem_status: SpeechStatus | None = None  # why, when UNAVAILABLE
        self.last_text = ""
        self._ticket = 0  # which request the callbacks belong to

    @classmethod
    def from_config(cls, kiosk: Any, parent: QObject | None = None) -> ReadAloud:
        cfg = getattr(getattr(getattr(kiosk, "services", None), "config", None), "speech", None)
        url = getattr(cfg, "url", "espeak-ng:")
        rate = getattr(cfg, "rate_wpm", 150)
        return cls(open_speaker(url, rate_wpm=rate), getattr(kiosk, "runner", None), parent)

    def read(self, text: str, language: str) -> None:
        """Speak ``text`` in ``language``, cutting off anything still being read."""
        self.speaker.stop()
        self._ticket += 1
        ticket = self._ticket
        self.last_text = text
        if self.runner is None:
            self._failed(ticket, SpeechError("no task runner", SpeechStatus.FAILED))
            return
        self._set(ReadState.SPEAKING)
        log.info("read aloud: %d characters in %s", len(text), language)
        self.runner.run(SPEECH_LANE, lambda: self.speaker.speak(text, language),
                        on_done=lambda _r: self._finished(ticket),
                        on_error=lambda err: self._failed(ticket, err))

    def stop(self) -> None:
        """Silence now (Cancel, the session's end, the button pressed while reading)."""
        self._ticket += 1
        self.speaker.stop()
        if self.state is ReadState.SPEAKING:
            self._set(ReadState.IDLE)

    def reset(self) -> None:
        """A new member: silent, and a past failure is forgotten (tried afresh)."""
        self.stop()
        self.problem_status = None
        self._set(ReadState.IDLE)

    @property
    def problem(self) -> str:
        """Why the last request could not be spoken, in the current language."""
        return problem_text(self.problem_status) if self.problem_status is not None else ""

    def _finished(self, ticket: int) -> None:
        if ticket == self._ticket:
            self._set(ReadState.IDLE)

    def _failed(self, ticket: int, err: Any) -> None:
        if ticket != self._ticket:
            return
        status = getattr(err, "status", SpeechStatus.FAILED)
        log.warning("read aloud failed: %s", err)
        self.problem_status = status
        self._set(ReadState.UNAVAILABLE)

    def _set(self, state: ReadState) -> None:
        if state is not self.state:
            self.state = state
            self.state_changed.emit(state.value)

    def close(self) -> None:
        self._ticket += 1
        self.speaker.close()
