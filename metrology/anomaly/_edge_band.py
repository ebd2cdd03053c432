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
#: the outer ring of the image (px wide) on which a face that frames the image is told apart
#: from a part's face
FRAME_RING_PX = 8
#: a face taking at least this share of the ring frames the image: the background round a part
FRAME_SHARE = 0.5
#: a part's face, placed with a margin, takes at most this share of the ring
PART_RING_SHARE = 0.05
#: the part's face replaces the frame's only where the images' local variance (5 x 5 px, gray
#: levels) on it is at least this many times the frame's (a textured part against a flat
#: background; the holes of a face filling the image are flatter than the face, not rougher)
TEXTURE_RATIO = 2.0
#: and only a face of at least this share of the image (a glint is not a part)
PART_MIN_SHARE = 0.005


def edge_band_roi(images: list[np.ndarray], band_px: float, roi: np.ndarray | None
                  ) -> np.ndarray | None:
    """``roi`` (or the whole image) cut to the face of the mean of ``images`` (each divided by
    its median level, so a lighting gain changes nothing: pixels within :data:`FACE_BAND` of
    the median over ``roi`` (or the image), or of the median of its brighter or darker half
    where that face is :data:`FACE_SWITCH` times as large; without ``roi``, where that face
    frames the image, the part's inside it: :func:`_part_not_frame`) and to the pixels farther
    than ``band_px`` from its strong edges; ``roi`` unchanged when ``band_px`` is 0."""
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
    keep, kept = face(level), level
    # a part covering under half the image: the median is the background's level or lies
    # between it and the face's, and its "face" is a sliver; the level of the brighter or the
    # darker half then gives a face at least FACE_SWITCH times as large (on every generator
    # set whose face is most of the image, the median's face is kept: tested)
    for part in (inside[inside > level], inside[inside < level]):
        if part.size:
            other = face(float(np.median(part)))
            if other.sum() > FACE_SWITCH * keep.sum():
                keep, kept = other, float(np.median(part))
    if roi is None:   # a ROI says where the part is; without one the face may be the frame
        keep = _part_not_frame(images, mean, face, keep, kept)
    return keep if roi is None else keep & roi


def _texture(images: list[np.ndarray], where: np.ndarray) -> float:
    """The median over ``images`` of the median local variance (5 x 5 px) on ``where``."""
    import cv2

    out = []
    for im in images:
        g = as_gray(im, dtype=np.float32)
        m = cv2.blur(g, (5, 5))
        out.append(float(np.median((cv2.blur(g * g, (5, 5)) - m * m)[where])))
    return float(np.median(out))


def _part_not_frame(images: list[np.ndarray], mean: np.ndarray, face, keep: np.ndarray,
                    level: float) -> np.ndarray:
    """``keep`` (the face at ``level``), or where it frames the image (the flat background
    round a part covering under about 45 % of it), the largest face at the level of the pixels
    beyond its band (the brighter, or the darker) that keeps off the image's border, covers at
    least :data:`PART_MIN_SHARE` of it and is :data:`TEXTURE_RATIO` times as rough."""
    ring = np.ones(mean.shape, bool)
    ring[FRAME_RING_PX:-FRAME_RING_PX, FRAME_RING_PX:-FRAME_RING_PX] = False
    if keep[ring].mean() < FRAME_SHARE:
        return keep
    best, rough = None, None
    for part in (mean[mean > (1 + FACE_BAND) * level], mean[mean < (1 - FACE_BAND) * level]):
        if not part.size:
            continue
        other = face(float(np.median(part)))
        if (other.sum() < PART_MIN_SHARE * other.size or other[ring].mean() > PART_RING_SHARE
                or (best is not None and other.sum() <= best.sum())):
            continue
        rough = _texture(images, keep) if rough is None else rough
        if _texture(images, other) >= TEXTURE_RATIO * rough:
            best = other
    return keep if best is None else best
