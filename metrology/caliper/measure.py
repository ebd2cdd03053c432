"""Single-caliper tools: sub-pixel edges and edge pairs along one rotated rectangle.

:func:`measure_edges` samples one profile from ``p0_xy`` to ``p1_xy`` (the mean across the
caliper's width) and finds its edges (:func:`metrology.caliper.edges.detect_edges`);
:func:`measure_pairs` pairs opposite edges into stripes (widths, centres, distances).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._serial import Serializable
from ..core.checks import as_vector, check_positive
from ..errors import EdgeNotFoundError, InputError
from ..image.filters import gaussian_derivative_1d
from ..image.io import as_gray
from ..image.profiles import Profiles, rect_calipers, sample_profiles
from .edges import EdgeSet, detect_edges, median
from .settings import EdgeSettings, as_edge_settings, flat_keywords
from .shapes import Markers, Segment

__all__ = ["EdgeResult", "PairResult", "measure_edges", "measure_pairs", "SHARP_BLUR_PX"]
# auto_interpolation: internal (contour.py, strips.py)

#: "auto" sampling: cubic B-spline, but bilinear where the edges turn out sharper than this
#: total blur (px): the spline rings on under-sampled edges (0.035 px on a sharp circle,
#: 0.0075 px bilinear), while on well-sampled ones it is the more exact of the two
SHARP_BLUR_PX = 0.75
_XY = {"shape": (None, 2)}
_PT = {"shape": (2,)}


@dataclass(frozen=True)
class EdgeResult(Serializable):
    """Edges along one caliper from ``p0_xy`` to ``p1_xy``.

    Attributes
    ----------
    points_xy : ndarray (E, 2)
        Sub-pixel edge points on the caliper's centre line.
    positions : ndarray (E,)
        Distance of each edge from ``p0_xy`` along the caliper (px), increasing.
    amplitudes : ndarray (E,)
        Signed Gaussian-derivative response (gray levels; + = dark to bright from p0 to p1).
    transitions : ndarray (E,) int
        +1 dark to bright, -1 bright to dark.
    steps : ndarray (E,)
        Fitted step height (gray levels, signed).
    blur_px : ndarray (E,)
        Fitted edge blur (px).
    std_px : ndarray (E,)
        1-sigma position uncertainty (px; NaN where the Gaussian peak was kept).
    scores : ndarray (E,)
        Fit quality in [0, 1].
    p0_xy, p1_xy : ndarray (2,)
    """

    _json_type = None

    points_xy: np.ndarray = field(metadata=_XY)
    positions: np.ndarray = field(metadata={"shape": (None,)})
    amplitudes: np.ndarray = field(metadata={"shape": (None,)})
    transitions: np.ndarray = field(metadata={"shape": (None,), "dtype": "int64"})
    steps: np.ndarray = field(metadata={"shape": (None,)})
    blur_px: np.ndarray = field(metadata={"shape": (None,)})
    std_px: np.ndarray = field(metadata={"shape": (None,)})
    scores: np.ndarray = field(metadata={"shape": (None,)})
    p0_xy: np.ndarray = field(metadata=_PT)
    p1_xy: np.ndarray = field(metadata=_PT)

    def __len__(self) -> int:
        return int(self.positions.size)

    @property
    def distances(self) -> np.ndarray:
        """Distances between consecutive edges (E-1,)."""
        return np.diff(self.positions)

    def outline(self) -> list:
        """What to draw: the caliper's centre line and the edge points
        (:mod:`metrology.caliper.shapes`)."""
        return [Segment(self.p0_xy, self.p1_xy, role="tool"), Markers(self.points_xy)]


@dataclass(frozen=True)
class PairResult(Serializable):
    """Edge pairs (e.g. the two sides of a stripe) along one caliper.

    Attributes
    ----------
    first, second : EdgeResult
        First and second edge of each pair (P edges each), in order along the caliper.
    widths : ndarray (P,)
        Intra-pair distance (px).
    centers_xy : ndarray (P, 2)
        Midpoints of the pairs.
    center_positions : ndarray (P,)
        Distance of each pair centre from ``p0_xy`` (px).
    inter_distances : ndarray (P-1,)
        Distance between consecutive pair centres (px).
    std_width_px : ndarray (P,)
        1-sigma width uncertainty (px).
    """

    _json_type = None

    first: EdgeResult
    second: EdgeResult
    widths: np.ndarray = field(metadata={"shape": (None,)})
    centers_xy: np.ndarray = field(metadata=_XY)
    center_positions: np.ndarray = field(metadata={"shape": (None,)})
    inter_distances: np.ndarray = field(metadata={"shape": (None,)})
    std_width_px: np.ndarray = field(metadata={"shape": (None,)})

    def __len__(self) -> int:
        return int(self.widths.size)

    def outline(self) -> list:
        """What to draw: the caliper's centre line, each pair's span and the edge points."""
        return [Segment(self.first.p0_xy, self.first.p1_xy, role="tool"),
                *(Segment(a, b, role="fit") for a, b in zip(self.first.points_xy,
                                                            self.second.points_xy)),
                Markers(np.concatenate([self.first.points_xy, self.second.points_xy]))]


def auto_interpolation(run, interpolation: str):
    """``run(interp) -> (anything, EdgeSet)`` with "auto" resolved: spline, redone bilinear
    when the refined edges' median blur is below :data:`SHARP_BLUR_PX`."""
    if interpolation != "auto":
        return run(interpolation)
    out = run("spline")
    es = out[1]
    ok = es.refined
    if np.any(ok) and median(es.blur[ok]) < SHARP_BLUR_PX:
        return run("linear")
    return out


def _single_profile(image, p0_xy, p1_xy, width, interpolation):
    p0 = as_vector(p0_xy, "p0_xy")
    p1 = as_vector(p1_xy, "p1_xy")
    width = check_positive(width, "width")
    d = p1 - p0
    length = float(np.hypot(*d))
    if length < 4.0:
        raise InputError(f"p0_xy, p1_xy: expected a caliper at least 4 px long, given "
                         f"{length:.3g} px")
    img = as_gray(image, dtype=None)
    try:
        # 6 px of context beyond each end for the edge fit, where the image has it
        cal = rect_calipers((0.5 * (p0 + p1))[None], d[None], length, width, pad=6.0)
        prof = sample_profiles(img, cal, interpolation, gray=img)
    except InputError:
        cal = rect_calipers((0.5 * (p0 + p1))[None], d[None], length, width)
        try:
            prof = sample_profiles(img, cal, interpolation, gray=img)
        except InputError as exc:
            raise InputError(f"caliper {p0.tolist()} -> {p1.tolist()} (width {width}) reaches "
                             f"outside the image of size {img.shape[1]} x {img.shape[0]}") \
                from exc
    return p0, p1, length, prof


def _measure_one(image, p0_xy, p1_xy, width, edges: EdgeSettings):
    """Sample the caliper and detect with ``edges`` (interpolation "auto" resolved)."""

    def run(interp):
        got = _single_profile(image, p0_xy, p1_xy, width, interp)
        cal = got[3].calipers
        return got, detect_edges(got[3].values, cal.offsets, edges=edges,
                                 search_half=cal.search_half, directions=cal.directions)

    return auto_interpolation(run, edges.interpolation)


def _edge_result(es: EdgeSet, prof: Profiles, p0, p1, length, sel=None) -> EdgeResult:
    sel = np.arange(es.count) if sel is None else sel
    cal = prof.calipers
    pos = es.position[sel]
    order = np.argsort(pos, kind="stable")
    sel = sel[order]
    pos = es.position[sel]
    pts = cal.to_image(es.profile[sel], pos)
    u = (p1 - p0) / length
    return EdgeResult(pts, (pts - p0) @ u, es.amplitude[sel],
                      np.where(es.amplitude[sel] >= 0, 1, -1).astype(np.int64),
                      es.step[sel], es.blur[sel], es.std_px[sel], es.score[sel],
                      np.asarray(p0), np.asarray(p1))


@flat_keywords
def measure_edges(image, p0_xy, p1_xy, width: float = 10.0, *,
                  edges: EdgeSettings | None = None) -> EdgeResult:
    """Sub-pixel edges along a rotated-rectangle caliper from ``p0_xy`` to ``p1_xy``.

    Parameters
    ----------
    image : ndarray (H, W) or (H, W, 3) or path
    p0_xy, p1_xy : array_like (2,)
        Ends of the caliper's centre line; the profile runs from p0 to p1.
    width : float
        Caliper width across the profile (px); the profile is the mean over it.
    edges : EdgeSettings, optional
        Edge detection (:class:`~metrology.caliper.EdgeSettings`; ``select`` defaults to
        "all", ``transition`` to "any": "positive" is dark to bright going from p0 to p1).
        Calipers along a pixel axis need no interpolation along the profile.

    Returns
    -------
    EdgeResult

    Raises
    ------
    EdgeNotFoundError
        If no edge reaches ``threshold``.
    InputError
        Bad parameters, or a caliper reaching outside the image.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((20, 40), np.uint8); img[:, 20:] = 200
    >>> r = measure_edges(img, (5, 10), (35, 10), width=5, edges=EdgeSettings(threshold=50))
    >>> round(float(r.points_xy[0, 0]), 2)
    19.5
    """
    edges = as_edge_settings(edges).with_defaults(transition="any", select="all")
    (p0, p1, length, prof), es = _measure_one(image, p0_xy, p1_xy, width, edges)
    if es.count == 0:
        strongest = float(np.abs(gaussian_derivative_1d(prof.values, edges.sigma)).max())
        raise EdgeNotFoundError(f"no {edges.transition} edge above threshold "
                                f"{edges.threshold:g} along the caliper {p0.tolist()} -> "
                                f"{p1.tolist()} (strongest response {strongest:.3g} gray "
                                f"levels): lower the threshold or move the caliper")
    return _edge_result(es, prof, p0, p1, length)


@flat_keywords
def measure_pairs(image, p0_xy, p1_xy, width: float = 10.0, *,
                  edges: EdgeSettings | None = None) -> PairResult:
    """Pairs of opposite edges (stripes) along a caliper: widths, centres, inter distances.

    Parameters
    ----------
    image, p0_xy, p1_xy, width
        As :func:`measure_edges`.
    edges : EdgeSettings, optional
        Edge detection; ``transition`` (default "positive") is that of the *first* edge of
        each pair: "positive" pairs a dark-to-bright edge with the following bright-to-dark
        edge (a bright stripe), "negative" a dark stripe, "any" takes the polarity of the
        first edge found.  ``select`` is not used (every pair is returned).

    Returns
    -------
    PairResult

    Raises
    ------
    EdgeNotFoundError
        If no pair of edges is found.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((20, 40), np.uint8); img[:, 12:27] = 200      # a 15 px bright bar
    >>> round(float(measure_pairs(img, (4, 10), (36, 10), width=5).widths[0]), 6)
    15.0
    """
    edges = as_edge_settings(edges).with_defaults(transition="positive", select="all")
    detect = EdgeSettings(edges.sigma, edges.threshold, "any", "all", edges.interpolation,
                          edges.subpixel)
    (p0, p1, length, prof), es = _measure_one(image, p0_xy, p1_xy, width, detect)
    order = np.argsort(es.position, kind="stable")
    sg = np.where(es.amplitude[order] >= 0, 1, -1)
    if sg.size and edges.transition == "any":
        first = int(sg[0])
    else:
        first = 1 if edges.transition == "positive" else -1
    is_pair = np.zeros(sg.size, dtype=bool)
    if sg.size >= 2:
        is_pair[:-1] = (sg[:-1] == first) & (sg[1:] == -first)
    i1 = order[np.flatnonzero(is_pair)]
    i2 = order[np.flatnonzero(is_pair) + 1]
    if i1.size == 0:
        raise EdgeNotFoundError(f"no {edges.transition} edge pair above threshold "
                                f"{edges.threshold:g} along the caliper {p0.tolist()} -> "
                                f"{p1.tolist()} ({es.count} single edge(s) found)")
    e1 = _edge_result(es, prof, p0, p1, length, i1)
    e2 = _edge_result(es, prof, p0, p1, length, i2)
    widths = e2.positions - e1.positions
    centers = 0.5 * (e1.points_xy + e2.points_xy)
    cpos = 0.5 * (e1.positions + e2.positions)
    std_w = np.hypot(e1.std_px, e2.std_px)
    return PairResult(e1, e2, widths, centers, cpos, np.diff(cpos), std_w)
