"""The face signal over its local RMS (``local_rms``; private helper of ``patchcore``): a
stationarizing step for the line and jet channels on faces whose texture is rougher in some
places than in others.

The line and jet channels whiten the face signal by the training faces' *mean* power
spectrum: the matched filter of a known shape in *stationary* texture.  Many finishes are not
stationary: mill scale in patches on bare steel, two coat weights of a phosphate coat, a
spangle's grains.  The mean spectrum is the rough patches' and the quiet ones' mixed, so a
faint line across a quiet patch is divided by the rough patches' power and a rough patch's
own grain is the face's largest response.

The step divides the face signal ``x`` (after the Gaussian map where ``gaussianize`` maps
it) by its local RMS, the root of its square averaged with a Gaussian window of
:data:`SIGMA_PX` normalised over the face, plus (:data:`EPS` times the face's RMS) squared,
and scales it back by the face's RMS: every patch of the face then has about the same
contrast and a stationary face is nearly unchanged.  Whitening, templates and calibration
that follow are fitted on the divided signal.

An option (``local_rms``, default ``False``).  ``"auto"`` divides only where the training
faces' local RMS varies: :func:`spread`, the spread of the log local RMS over the face, at
least :data:`GATE`.  On faces of even roughness the division only takes part of a defect's
own energy as the face's (three development sets lost 0.008-0.025 AUROC); on the uneven ones
it gained 0.003-0.078, and 0.062 on the real moon photo, but lost 0.021 on the real Hubble
deep-field photo, so rule 57b kept it off by default (docs/anomaly-log.md, *The face signal
over its local RMS*).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FileFormatError

#: the Gaussian window of the local RMS, full-resolution px (the line channel's
#: half-resolution signal takes half of it)
SIGMA_PX = 16.0
#: the floor under the local RMS, as a share of the face's RMS
EPS = 0.3
#: ``local_rms="auto"`` divides where :func:`spread` on the training faces is at least this
#: (rules 57 and 57b): development faces from 0.132 up gained, those at 0.048-0.074 lost
GATE = 0.12
#: the training images :func:`spread` reads (the first ones)
GATE_IMAGES = 20
#: pixels of the face left out of :func:`spread` along its border (the window sees little
#: face there)
GATE_ERODE_PX = 8
#: the bank version of a bank whose line channel divides its face signal (the version it has
#: otherwise is written as ``lrms_base_version``; ``_bank_version``): readers that predate
#: the step refuse it
VERSION = 16


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    import cv2

    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)


class LocalRms:
    """The division of a face signal on the face ``roi`` by its local RMS (module
    docstring), with a Gaussian window of ``sigma`` px at the signal's resolution."""

    def __init__(self, roi: np.ndarray, sigma: float):
        self.roi = np.asarray(roi, bool)
        self.sigma = float(sigma)
        self._mask = self.roi.astype(np.float32)
        self._weight = np.maximum(_blur(self._mask, self.sigma), np.float32(1e-3))

    def mean_square(self, x: np.ndarray) -> np.ndarray:
        """The local mean square of ``x`` over the face (float32)."""
        return _blur(x * x * self._mask, self.sigma) / self._weight

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``x`` (0 off the face) over its local RMS, scaled back by its RMS on the face."""
        face = x[self.roi]
        g = float(np.sqrt(np.mean(face.astype(np.float64) ** 2))) if face.size else 0.0
        if g <= 0.0:
            return x
        r = np.sqrt(self.mean_square(x) + np.float32((EPS * g) ** 2))
        r *= np.float32(1.0 / (g * np.sqrt(1.0 + EPS ** 2)))
        out = np.divide(x, np.maximum(r, np.float32(1e-6)), dtype=np.float32)
        out[~self.roi] = 0.0
        return out


def spread(signals: list, roi: np.ndarray, sigma: float = SIGMA_PX) -> float:
    """The gate's figure: over ``signals`` (full-resolution face signals, 0 off the face
    ``roi``) the mean of each one's spread (standard deviation) of the log local RMS over
    the face eroded by :data:`GATE_ERODE_PX`; 0 where that leaves no pixel."""
    import cv2

    k = 2 * GATE_ERODE_PX + 1
    inner = cv2.erode(np.asarray(roi, np.uint8), np.ones((k, k), np.uint8)) > 0
    if not inner.any() or not signals:
        return 0.0
    lr = LocalRms(roi, sigma)
    out = [float(np.std(0.5 * np.log(lr.mean_square(x)[inner].astype(np.float64) + 1e-12)))
           for x in signals]
    return float(np.mean(out))


def decide(mode: Any, grays: list, face: np.ndarray) -> tuple[bool, str]:
    """Whether the fit divides the face signal (``local_rms`` ``mode``: ``"auto"``, True or
    False), from the first :data:`GATE_IMAGES` good images ``grays`` (gray float32) on the
    part face ``face``, and what ``info["local_rms"]`` says."""
    from ._jet_scan import LEVEL_SIGMA
    from ._line_scan import level_signal, level_weight

    if mode is False:
        return False, "off"
    w = level_weight(face, LEVEL_SIGMA)
    s = spread([level_signal(g, face, w, LEVEL_SIGMA) for g in grays[:GATE_IMAGES]], face)
    if mode == "auto" and s < GATE:
        return False, f"off: local RMS spread {s:.3f} (< {GATE})"
    return True, f"on: local RMS spread {s:.3f}" + (f" (>= {GATE})" if mode == "auto" else "")


def check_px(v: Any, where: str) -> float:
    """A bank's ``local_rms_px`` (its window, px): a positive finite number, else
    :class:`FileFormatError`."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
        raise FileFormatError(f"{where}: 'local_rms_px' must be a positive finite number, "
                              f"given {v!r}")
    return float(v)
