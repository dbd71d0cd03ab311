"""Scenes for the process-camera tests: built in the camera's child process
(``drivers.camera_feed.ProcessCamera("tests.vision.feed_scenes:Grey")``)."""

from __future__ import annotations

import numpy as np


class Grey:
    """A flat grey frame whose level a command sets; its capture time is
    written into the first pixels so a test can check the stamp."""

    def __init__(self, size: tuple[int, int], level: int = 40) -> None:
        self.w, self.h = size
        self.level = level

    def command(self, name: str, *args: object) -> None:
        if name != "level":
            raise ValueError(name)
        self.level = int(args[0])  # type: ignore[call-overload]

    def frame(self, t: float) -> np.ndarray:
        image = np.full((self.h, self.w, 3), self.level, np.uint8)
        image[0, :8, 0] = np.frombuffer(np.float64(t).tobytes(), np.uint8)
        return image


def stamp_of(image: np.ndarray) -> float:
    return float(np.frombuffer(image[0, :8, 0].tobytes(), np.float64)[0])
