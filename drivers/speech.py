"""Offline text-to-speech for the "Read aloud" control (issue #15).

The engine is Debian's ``espeak-ng``, run as a subprocess: nothing goes over
the network and no model is downloaded (the voices ship with the package).
The config names it like the other devices, ``[speech] url``:

- ``espeak-ng:`` (default) or ``espeak-ng:/path/to/espeak-ng``;
- ``none:`` turns speech off (the control then says it is switched off).

``Speaker.speak`` blocks until the utterance ends (or ``stop`` cuts it off),
so the UI runs it through the TaskRunner on a lane of its own; ``stop`` is
safe from any thread and is what makes a new request interrupt the old one.
Qt-free, like every driver.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from common.errors import KioskError, Reason

log = logging.getLogger(__name__)

ENGINE = "espeak-ng"
# The member's language (ui/i18n.LANGUAGES) -> the espeak-ng voice that reads it.
VOICES = {"en": "en", "zh_CN": "cmn"}
DEFAULT_RATE_WPM = 150  # a little slower than espeak's 175: calm, clear prompts
_TIMEOUT_S = 10.0  # version/voice queries and a WAV synthesis; never a real wait
# espeak-ng exits 0 even when it cannot open a sound card; its ALSA/PortAudio
# complaint on stderr is how the kiosk learns there is no speaker.
_NO_AUDIO = re.compile(r"Unknown PCM|cannot find card|No such file or directory|"
                       r"audio device|pa_simple|Connection refused", re.IGNORECASE)


class SpeechStatus(str, Enum):
    READY = "ready"
    DISABLED = "disabled"  # [speech] url = "none:"
    MISSING = "missing"  # the espeak-ng program is not installed
    NO_VOICE = "no_voice"  # installed, without the voice a language needs
    NO_AUDIO = "no_audio"  # it ran, but there is no sound device to play on
    FAILED = "failed"


class SpeechError(KioskError):
    """Speech could not be produced; ``status`` says why (the control shows it)."""

    def __init__(self, message: str, status: SpeechStatus, **context: Any) -> None:
        reason = Reason.CONFIG_INVALID if status is SpeechStatus.DISABLED else Reason.INTERNAL
        super().__init__(message, reason=reason, speech=status.value, **context)
        self.status = status


@dataclass
class EngineInfo:
    """What ``kiosk self-test`` reports about the engine."""

    engine: str
    status: SpeechStatus
    path: str | None = None
    version: str | None = None
    voices: dict[str, bool] = field(default_factory=dict)  # language -> voice present

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, "status": self.status.value, "path": self.path,
                "version": self.version, "voices": dict(self.voices)}


class Speaker:
    """The interface: ``speak`` (blocking), ``stop`` (any thread), ``info``."""

    engine = "none"

    def info(self) -> EngineInfo:
        return EngineInfo(self.engine, SpeechStatus.DISABLED)

    def speak(self, text: str, language: str) -> None:
        raise SpeechError("speech is switched off ([speech] url = \"none:\")",
                          SpeechStatus.DISABLED)

    def stop(self) -> None:
        """Cut off the utterance in progress, if any."""

    def close(self) -> None:
        self.stop()


class NoSpeaker(Speaker):
    """``none:``: the kiosk has no speech; the control says so when pressed."""


class EspeakSpeaker(Speaker):
    engine = ENGINE

    def __init__(self, program: str = "", rate_wpm: int = DEFAULT_RATE_WPM) -> None:
        self.program = program or ENGINE
        self.rate_wpm = rate_wpm
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._generation = 0  # bumped by stop(): a speak started before it ends quietly

    def path(self) -> str | None:
        if os.sep in self.program:
            return self.program if os.access(self.program, os.X_OK) else None
        return shutil.which(self.program)

    def _require(self, language: str) -> tuple[str, str]:
        exe = self.path()
        if exe is None:
            raise SpeechError(f"the text-to-speech engine {self.program!r} is not installed "
                              "(Debian: apt-get install espeak-ng)", SpeechStatus.MISSING)
        voice = VOICES.get(language)
        if voice is None:
            raise SpeechError(f"no voice for language {language!r}", SpeechStatus.NO_VOICE,
                              language=language)
        return exe, voice

    def _argv(self, exe: str, voice: str, *extra: str) -> list[str]:
        # -b 1: the text on stdin is UTF-8 (Chinese); stdin, not argv, so a
        # text starting with "-" is never read as an option.
        return [exe, "-v", voice, "-s", str(self.rate_wpm), "-b", "1", *extra]

    def info(self) -> EngineInfo:
        exe = self.path()
        if exe is None:
            return EngineInfo(self.engine, SpeechStatus.MISSING)
        out = _run([exe, "--version"]).stdout.decode("utf-8", "replace")
        m = re.search(r"speech:\s*([0-9][\w.\-]*)", out)
        voices = {lang: _has_voice(exe, voice) for lang, voice in VOICES.items()}
        status = SpeechStatus.READY if all(voices.values()) else SpeechStatus.NO_VOICE
        return EngineInfo(self.engine, status, exe, m.group(1) if m else out.strip()[:60],
                          voices)

    def synthesize(self, text: str, language: str) -> bytes:
        """``text`` read in ``language`` as a WAV file's bytes (``--stdout``)."""
        exe, voice = self._require(language)
        done = _run(self._argv(exe, voice, "--stdout"), text.encode("utf-8"))
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            raise SpeechError(f"espeak-ng failed: {_tail(done.stderr)}", SpeechStatus.FAILED,
                              voice=voice)
        return done.stdout

    def speak(self, text: str, language: str) -> None:
        exe, voice = self._require(language)
        if not text.strip():
            return
        with self._lock:
            generation = self._generation
            proc = subprocess.Popen(self._argv(exe, voice), stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self._proc = proc
        try:
            _, err = proc.communicate(text.encode("utf-8"))
        finally:
            with self._lock:
                if self._proc is proc:
                    self._proc = None
        with self._lock:
            if generation != self._generation:
                return  # stopped on purpose: a newer request or the session ended
        if proc.returncode != 0:
            raise SpeechError(f"espeak-ng failed: {_tail(err)}", SpeechStatus.FAILED,
                              voice=voice)
        if _NO_AUDIO.search(err.decode("utf-8", "replace")):
            raise SpeechError("there is no sound device to speak on", SpeechStatus.NO_AUDIO)

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()


def open_speaker(url: str, rate_wpm: int = DEFAULT_RATE_WPM) -> Speaker:
    """The speaker ``url`` names; a bad URL is a configuration error."""
    scheme, sep, target = url.partition(":")
    if not sep:
        raise KioskError(f"speech URL {url!r} has no scheme (espeak-ng: or none:)",
                         reason=Reason.CONFIG_INVALID, url=url)
    if scheme == "none" and not target:
        return NoSpeaker()
    if scheme == ENGINE:
        return EspeakSpeaker(target, rate_wpm=rate_wpm)
    raise KioskError(f"unknown speech engine {scheme!r} in {url!r} (known: espeak-ng:, none:)",
                     reason=Reason.CONFIG_INVALID, url=url)


def _has_voice(exe: str, voice: str) -> bool:
    out = _run([exe, f"--voices={voice}"]).stdout.decode("utf-8", "replace")
    return any(line.split()[1:2] == [voice] for line in out.splitlines()[1:] if line.strip())


def _run(argv: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, timeout=_TIMEOUT_S,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"cannot run {argv[0]}: {exc}", SpeechStatus.FAILED) from None


def _tail(err: bytes) -> str:
    lines = err.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"
