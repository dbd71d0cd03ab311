"""Cameras chosen by URL: the scheme registry and ``open_camera``.

Apart from ``drivers.camera`` (the ``CameraSource`` every scheme returns) so the
built-in schemes in ``drivers.camera_sources`` can build on the source without
the source's module importing them back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from common.errors import CameraError, Reason
from drivers.camera import CameraSource

# -- URL registry ------------------------------------------------------------------
SourceFactory = Callable[..., CameraSource]
_SCHEMES: dict[str, SourceFactory] = {}


def register_scheme(name: str, factory: SourceFactory) -> None:
    """Make ``open_camera("<name>:...")`` call ``factory(target, params, **options)``.

    ``target`` is the text after ``name:`` up to ``?``; ``params`` the query as a
    dict of strings; ``options`` the keyword arguments given to ``open_camera``.
    """
    if not name.isidentifier():
        raise CameraError(f"bad camera scheme name {name!r}", reason=Reason.CONFIG_INVALID)
    _SCHEMES[name] = factory


def schemes() -> list[str]:
    _load_builtin()
    return sorted(_SCHEMES)


def split_url(url: str) -> tuple[str, str, dict[str, str]]:
    """``"file:/a.mp4?loop=1"`` -> ``("file", "/a.mp4", {"loop": "1"})``.

    A target that is itself a URL (``device:rtsp://h/s?x=1``) keeps its query.
    """
    scheme, sep, rest = url.partition(":")
    if not sep or not scheme:
        raise CameraError(f"camera URL {url!r} has no scheme (e.g. device:0)",
                          reason=Reason.CONFIG_INVALID, url=url)
    if "://" in rest:
        return scheme, rest, {}
    target, _, query = rest.partition("?")
    return scheme, target, dict(parse_qsl(query, keep_blank_values=True))


def open_camera(url: str, **options: Any) -> CameraSource:
    """Build (not start) the camera source ``url`` names.

    ``options`` go to the scheme's factory: the common ones are
    ``stall_timeout_s``, ``reopen_backoff_s``, ``fail_after``; ``device:`` also
    takes ``video_capture_factory`` (tests inject a fake ``cv2.VideoCapture``).
    """
    _load_builtin()
    scheme, target, params = split_url(url)
    factory = _SCHEMES.get(scheme)
    if factory is None:
        raise CameraError(f"unknown camera scheme {scheme!r} (known: {', '.join(sorted(_SCHEMES))})",
                          reason=Reason.CONFIG_INVALID, url=url)
    return factory(target, params, **options)


def _load_builtin() -> None:
    # Lazily: the built-in schemes import cv2, which a kiosk with another
    # scheme or a test of the registry need not load.
    if "device" not in _SCHEMES:
        from drivers import camera_sources

        for name, factory in camera_sources.BUILTIN_SCHEMES.items():
            register_scheme(name, factory)
