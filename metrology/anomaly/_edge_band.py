"""The face ROI of :class:`~metrology.anomaly.PatchCore` (``edge_band_px``): the pixels of the
mean good image at the face level, without a band along its strong edges (private helper of
``patchcore``)."""

from __future__ import annotations

import numpy as np

from ..image.io import as_gray

#: a strong edge: a step of at least this share of the mean image's median level within 4 px
#: (after a blur of 1 px); a face edge (face 150, hole 45 gray levels) steps by 70 %
EDGE_STEP = 0.2
#: the face: the mean image within this share of its median level (holes, slots and the
#: background behind the part are darker or brighter by far more)
FACE_BAND = 1.0 / 3.0
#: another level's face replaces the median's only when this many times as large (a part
#: covering under half the image: held-out 23's sprocket, whose median face was 295 px)
FACE_SWITCH = 2.0


def edge_band_roi(images: list[np.ndarray], band_px: float, roi: np.ndarray | None
                  ) -> np.ndarray | None:
    """``roi`` (or the whole image) cut to the face of the mean of ``images`` (each divided by
    its median level, so a lighting gain changes nothing: pixels within :data:`FACE_BAND` of
    the median over ``roi`` (or the image), or of the median of its brighter or darker half
    where that face is :data:`FACE_SWITCH` times as large) and to the pixels farther than
    ``band_px`` from its strong edges; ``roi`` unchanged when ``band_px`` is 0."""
    if band_px <= 0:
        return roi
    import cv2

    acc = np.zeros(images[0].shape[:2], np.float64)
    for im in images:
        g = as_gray(im, dtype=np.float32)
        acc += g / max(float(np.median(g)), 1e-6)
    mean = cv2.GaussianBlur((acc / len(images)).astype(np.float32), (0, 0), 1.0)
    step = cv2.morphologyEx(mean, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8))

    def face(level: float) -> np.ndarray:
        far = cv2.distanceTransform((step < EDGE_STEP * level).astype(np.uint8),
                                    cv2.DIST_L2, 5) > band_px
        return far & (np.abs(mean - level) < FACE_BAND * level)

    # the level over the ROI where one is given (it says where the part is), else the image
    inside = mean if roi is None or not np.any(roi) else mean[np.asarray(roi, bool)]
    level = float(np.median(inside))
    keep = face(level)
    # a part covering under half the image: the median is the background's level or lies
    # between it and the face's, and its "face" is a sliver; the level of the brighter or the
    # darker half then gives a face at least FACE_SWITCH times as large (on every generator
    # set whose face is most of the image, the median's face is kept: tested)
    for part in (inside[inside > level], inside[inside < level]):
        if part.size:
            other = face(float(np.median(part)))
            if other.sum() > FACE_SWITCH * keep.sum():
                keep = other
    return keep if roi is None else keep & roi
