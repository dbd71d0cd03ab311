"""The offline speech driver: real espeak-ng audio for both languages (skipped
when the engine is not installed), URL parsing, and stop cutting off a real
subprocess."""

from __future__ import annotations

import io
import shutil
import stat
import threading
import wave
from pathlib import Path

import pytest

from common.errors import KioskError, Reason
from drivers.speech import (
    EspeakSpeaker,
    NoSpeaker,
    SpeechError,
    SpeechStatus,
    open_speaker,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (apt-get install espeak-ng)")

TEXTS = {"en": "Scan your member pass.", "zh_CN": "请扫描您的会员通行证。"}


@needs_espeak
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_espeak_writes_real_speech_audio_for_each_language(language):
    data = EspeakSpeaker().synthesize(TEXTS[language], language)
    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.readframes(wav.getnframes())
        rate, width = wav.getframerate(), wav.getsampwidth()
    assert width == 2 and rate >= 16000
    samples = memoryview(frames).cast("h")
    # About a second of speech, not silence: many samples well off zero.
    assert len(samples) > rate // 2
    loud = sum(1 for s in samples if abs(s) > 1000)
    assert loud > len(samples) // 10


@needs_espeak
def test_the_two_languages_use_their_own_voices():
    speaker = EspeakSpeaker()
    same_text = "1 2 3"
    assert speaker.synthesize(same_text, "en") != speaker.synthesize(same_text, "zh_CN")


@needs_espeak
def test_info_reports_version_and_both_voices():
    info = EspeakSpeaker().info()
    assert info.status is SpeechStatus.READY
    assert info.version and info.version[0].isdigit()
    assert info.voices == {"en": True, "zh_CN": True}
    assert info.to_dict()["status"] == "ready"


def test_a_missing_engine_is_reported_not_silent(tmp_path):
    speaker = EspeakSpeaker(str(tmp_path / "no-such-espeak-ng"))
    assert speaker.info().status is SpeechStatus.MISSING
    with pytest.raises(SpeechError) as err:
        speaker.speak("hello", "en")
    assert err.value.status is SpeechStatus.MISSING
    assert "not installed" in str(err.value)


def test_a_language_without_a_voice_is_refused(tmp_path):
    with pytest.raises(SpeechError) as err:
        EspeakSpeaker(shutil.which("true") or "/bin/true").speak("bonjour", "fr")
    assert err.value.status is SpeechStatus.NO_VOICE


def test_none_speaker_says_it_is_switched_off():
    with pytest.raises(SpeechError) as err:
        NoSpeaker().speak("hello", "en")
    assert err.value.status is SpeechStatus.DISABLED


@pytest.mark.parametrize("url,kind", [
    ("espeak-ng:", EspeakSpeaker),
    ("espeak-ng:/usr/bin/espeak-ng", EspeakSpeaker),
    ("none:", NoSpeaker),
])
def test_open_speaker_by_url(url, kind):
    assert type(open_speaker(url)) is kind


@pytest.mark.parametrize("url,message", [
    ("", "no scheme"),
    ("espeak-ng", "no scheme"),
    ("festival:", "unknown speech engine"),
    ("none:x", "unknown speech engine"),
])
def test_bad_speech_urls_are_configuration_errors(url, message):
    with pytest.raises(KioskError) as err:
        open_speaker(url)
    assert err.value.reason is Reason.CONFIG_INVALID
    assert message in str(err.value)


def test_stop_cuts_off_the_utterance_in_progress(tmp_path: Path):
    """A real child process that would talk for a minute: stop() ends it and
    the interrupted speak returns quietly (interrupting is not a failure)."""
    slow = tmp_path / "slow-engine"
    slow.write_text("#!/bin/sh\ncat >/dev/null\nexec sleep 60\n")
    slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
    speaker = EspeakSpeaker(str(slow))
    outcome: list[object] = []

    def talk() -> None:
        try:
            speaker.speak("a long text", "en")
            outcome.append("returned")
        except Exception as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    t = threading.Thread(target=talk, name="test-speak")
    t.start()
    started = threading.Event()
    while not started.wait(0.01):
        if speaker._proc is not None:
            started.set()
    speaker.stop()
    t.join(timeout=30)
    assert not t.is_alive()
    assert outcome == ["returned"]


def test_self_test_reports_the_engine_and_fails_a_kiosk_configured_without_it(tmp_path):
    from kiosk.config import parse_config
    from kiosk.selftest import check, check_speech

    missing = parse_config({"speech": {"url": f"espeak-ng:{tmp_path / 'no-espeak-ng'}"}})
    results: dict[str, dict] = {}
    check("configured", lambda: check_speech(missing), results)
    check("demo", lambda: check_speech(missing, strict=False), results)
    check("off", lambda: check_speech(parse_config({"speech": {"url": "none:"}})), results)
    assert results["configured"]["ok"] is False
    assert "missing" in results["configured"]["error"]
    assert results["configured"]["reason"] == "CONFIG_INVALID"
    assert results["demo"]["ok"] is True and results["demo"]["detail"]["status"] == "missing"
    assert results["off"]["detail"]["status"] == "disabled"


@needs_espeak
def test_self_test_names_version_and_voices():
    from kiosk.config import parse_config
    from kiosk.selftest import check_speech

    detail = check_speech(parse_config({}))
    assert detail["status"] == "ready" and detail["voices"] == {"en": True, "zh_CN": True}
    assert detail["path"] and detail["version"]


@pytest.mark.parametrize("value", ["festival:", "none:x", "espeak", ""])
def test_a_bad_speech_url_in_the_config_is_refused(value):
    from common.errors import ConfigError
    from kiosk.config import parse_config

    with pytest.raises(ConfigError, match="speech.url"):
        parse_config({"speech": {"url": value}})


def test_no_sound_card_is_reported_although_espeak_exits_0(tmp_path: Path):
    """espeak-ng exits 0 when ALSA finds no card; its complaint is the signal."""
    engine = tmp_path / "espeak-no-card"
    engine.write_text("#!/bin/sh\ncat >/dev/null\n"
                      "echo \"ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default\" >&2\n"
                      "exit 0\n")
    engine.chmod(engine.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(SpeechError) as err:
        EspeakSpeaker(str(engine)).speak("hello", "en")
    assert err.value.status is SpeechStatus.NO_AUDIO
