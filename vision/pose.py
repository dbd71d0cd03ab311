"""Head pose, eye and mouth measures from FaceMesh landmarks.

Landmark indices are mediapipe FaceMesh's. "Right"/"left" are the member's
own: the member's right eye is on the image's LEFT in an unmirrored frame.

Pose comes from the mesh's 3-D points (mediapipe predicts a depth per point):
the face's right-left axis (averaged over symmetric pairs) and its chin-
forehead axis span the face plane; its normal gives yaw and pitch. Signs:
yaw > 0 = the member turned to THEIR left (nose toward the image's right
edge, unmirrored); pitch > 0 = head down. The liveness checks use changes
against the member's own baseline, so a camera mounted above the screen (a
constant pitch) does not matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


# -- landmark indices -------------------------------------------------------
def _ix(*idx: int) -> np.ndarray:
    # Index arrays, not tuples: numpy reads a tuple index as one index per axis.
    a = np.array(idx, dtype=np.intp)
    a.flags.writeable = False
    return a


NOSE_TIP = 1
FOREHEAD = 10
CHIN = 152
MOUTH_RIGHT = 61  # member's right mouth corner (image left)
MOUTH_LEFT = 291
RIGHT_EYE_OUTER, RIGHT_EYE_INNER = 33, 133
LEFT_EYE_OUTER, LEFT_EYE_INNER = 263, 362
# Upper lid contour, and the two rings above it, ordered outer -> inner corner.
RIGHT_EYE_UPPER = _ix(246, 161, 160, 159, 158, 157, 173)
RIGHT_EYE_RING2 = _ix(247, 30, 29, 27, 28, 56, 190)
RIGHT_EYE_RING3 = _ix(113, 225, 224, 223, 222, 221, 189)
RIGHT_EYE_LOWER = _ix(33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = _ix(466, 388, 387, 386, 385, 384, 398)
LEFT_EYE_RING2 = _ix(467, 260, 259, 257, 258, 286, 414)
LEFT_EYE_RING3 = _ix(342, 445, 444, 443, 442, 441, 413)
LEFT_EYE_LOWER = _ix(263, 249, 390, 373, 374, 380, 381, 382, 362)
# The openings FaceMesh's tessellation leaves as holes, as closed contours.
EYE_HOLE_RIGHT = _ix(33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_HOLE_LEFT = _ix(263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388,
                    466)
MOUTH_HOLE = _ix(78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87,
                 178, 88, 95)
# (upper, lower) lid pairs for the eye aspect ratio.
RIGHT_EYE_PAIRS = ((160, 144), (159, 145), (158, 153))
LEFT_EYE_PAIRS = ((385, 380), (386, 374), (387, 373))
FACE_OVAL = _ix(10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
             54, 103, 67, 109)
LIPS_ALL = _ix(0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181,
            185, 191, 267, 269, 270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375,
            402, 405, 409, 415)
# (member's left, member's right) pairs across the face, for its right-left axis.
SYMMETRIC_PAIRS = ((263, 33), (362, 133), (454, 234), (356, 127), (323, 93), (389, 162),
                   (280, 50), (352, 123), (345, 116), (291, 61))
# Points fixed to the skull (no lids, lips, brows or jaw): the passive planar
# check compares how these move.
RIGID_POINTS = _ix(1, 2, 4, 5, 6, 9, 10, 151, 168, 197, 195, 98, 327, 129, 358, 33, 133, 362,
                   263, 108, 337, 67, 297, 109, 338, 234, 454, 93, 323, 116, 345, 127, 356,
                   162, 389, 21, 251, 54, 284, 103, 332, 120, 349, 47, 277)


@dataclass(frozen=True)
class HeadPose:
    yaw_deg: float  # > 0: member turned to their left (nose toward image right)
    pitch_deg: float  # > 0: head down
    roll_deg: float  # > 0: head tilted clockwise in the image


def head_pose(points: np.ndarray) -> HeadPose:
    """Yaw, pitch, roll from one face's (478, 3) landmarks in pixels."""
    p = np.asarray(points, dtype=np.float64)
    left = np.array([i for i, _ in SYMMETRIC_PAIRS])
    right = np.array([j for _, j in SYMMETRIC_PAIRS])
    across = (p[left] - p[right]).mean(axis=0)  # member's right -> left
    across /= np.linalg.norm(across) + 1e-9
    down = p[CHIN] - p[FOREHEAD]
    down -= across * float(down @ across)  # make it orthogonal to ``across``
    down /= np.linalg.norm(down) + 1e-9
    # For an upright frontal face (unmirrored image) across ~ +x, down ~ +y
    # and the face looks toward -z (the camera).
    normal = np.cross(across, down)
    if normal[2] > 0:
        normal = -normal
    yaw = math.degrees(math.atan2(normal[0], -normal[2]))
    pitch = math.degrees(math.atan2(normal[1], math.hypot(normal[0], normal[2])))
    roll = math.degrees(math.atan2(across[1], across[0]))
    return HeadPose(yaw, pitch, roll)


def _dist(p: np.ndarray, a: int, b: int) -> float:
    return float(np.linalg.norm(p[a, :2] - p[b, :2]))


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean over both eyes of lid opening / eye width (open ~0.25-0.35, closed < 0.1)."""
    p = np.asarray(points)
    ears = []
    for pairs, outer, inner in ((RIGHT_EYE_PAIRS, RIGHT_EYE_OUTER, RIGHT_EYE_INNER),
                                (LEFT_EYE_PAIRS, LEFT_EYE_OUTER, LEFT_EYE_INNER)):
        width = _dist(p, outer, inner)
        opening = sum(_dist(p, a, b) for a, b in pairs) / len(pairs)
        ears.append(opening / max(width, 1e-6))
    return float(np.mean(ears))


def mouth_ratio(points: np.ndarray) -> float:
    """Mouth width over the outer-eye-corner distance: a smile widens it ~10-25 %.

    Both lengths shrink alike when the head turns, so the ratio barely moves
    with yaw."""
    p = np.asarray(points)
    return _dist(p, MOUTH_RIGHT, MOUTH_LEFT) / max(_dist(p, RIGHT_EYE_OUTER, LEFT_EYE_OUTER), 1e-6)


def face_size(points: np.ndarray) -> float:
    """A scale for normalising distances: the outer-eye-corner distance x 2
    (about the face width, but stable when the silhouette points slide)."""
    return 2.0 * _dist(np.asarray(points), RIGHT_EYE_OUTER, LEFT_EYE_OUTER)
