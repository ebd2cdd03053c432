"""Edge-detection and fitting settings shared by every caliper function and tool.

:class:`EdgeSettings` holds how edges are found on a profile (``sigma``, ``threshold``,
``transition``, ``select``, ``interpolation``, ``subpixel``); :class:`FitSettings` how a tool
fits its shape to the edge points (``ransac_threshold_px``, ``passes``, ``correct_curvature``,
``seed``).  Both are frozen and checked once, when they are made, so a bad value fails where it
is written rather than deep inside a measurement::

    edges = EdgeSettings(threshold=40, transition="negative")
    find_circle(image, (320, 240), 35, edges=edges)

``transition`` and ``select`` may be left ``None``: each function or tool then uses its own
default (``select`` "strongest" for the line/circle/ellipse finders, "all" for
:func:`~metrology.caliper.measure_edges`; ``transition`` "positive" for edge pairs, "any"
otherwise), see :meth:`EdgeSettings.with_defaults`.

The flat keywords of earlier releases (``find_circle(..., sigma=2, threshold=30,
ransac_threshold_px=0.5)``, ``caliper_length=``, ``arc_start_deg=``) still work for one
release through :func:`flat_keywords`, with a :class:`DeprecationWarning`; they are not part of
the public signatures.  Recipe files keep their flat keys (``"sigma": 2``), which load into
these settings.

Examples
--------
>>> EdgeSettings(sigma=1.5).with_defaults(select="strongest")
EdgeSettings(sigma=1.5, threshold=20.0, transition='any', select='strongest', \
interpolation='auto', subpixel='erf')
>>> FitSettings(passes=3)
Traceback (most recent call last):
    ...
metrology.errors.InputError: FitSettings.passes: expected 1 or 2, given 3
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Literal

import numpy as np

from .._serial import Serializable
from ..errors import InputError

__all__ = ["EdgeSettings", "FitSettings", "TRANSITIONS", "SELECTIONS", "INTERPOLATIONS",
           "SUBPIXEL", "EDGE_KEYS", "FIT_KEYS"]  # flat_keywords, check_size, check_arc: internal

TRANSITIONS = ("positive", "negative", "any")
SELECTIONS = ("first", "last", "strongest", "all")
#: interpolation choices of the caliper tools: the sampling ones, and "auto"
INTERPOLATIONS = ("auto", "linear", "cubic", "spline")
SUBPIXEL = ("erf", "gauss")
#: smallest Gaussian-derivative sigma (px): a narrower Gaussian is not sampled by 1 px profiles
MIN_SIGMA = 0.4


def _number(v: Any, where: str, *, minimum: float = -math.inf, strict: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{where}: expected a number, given {v!r}")
    f = float(v)
    if not math.isfinite(f) or f < minimum or (strict and f <= minimum):
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise InputError(f"{where}: expected a finite number {bound}, given {v!r}")
    return f


def _choice(v: Any, where: str, choices: tuple[str, ...], optional: bool = False) -> Any:
    if (v is None and optional) or (isinstance(v, str) and v in choices):
        return v
    raise InputError(f"{where}: expected one of {list(choices)}, given {v!r}")


@dataclass(frozen=True)
class EdgeSettings(Serializable):
    """How edges are found on caliper profiles.

    Parameters
    ----------
    sigma : float
        Gaussian-derivative smoothing (px, >= 0.4).
    threshold : float
        Minimum edge response in gray-level-step units (independent of ``sigma``; >= 0).
    transition : {"positive", "negative", "any"} or None
        ``"positive"``: dark to bright along the profile.  None: the caller's default.
    select : {"first", "last", "strongest", "all"} or None
        Which edge(s) of each profile to keep.  None: the caller's default.
    interpolation : {"auto", "linear", "cubic", "spline"}
        Profile sampling: "auto" uses the cubic B-spline, and bilinear sampling where the
        edges turn out sharper than 0.75 px (the spline rings on under-sampled edges).
    subpixel : {"erf", "gauss"}
        Blurred-step least-squares refinement (default; reaches the Cramer-Rao bound) or the
        Gaussian fit to the derivative peak alone (faster, ~2x the bound).

    Raises
    ------
    InputError
        Any value out of range or not among the choices.
    """

    _json_type = None
    _json_strict = True

    sigma: float = field(default=1.0, metadata={"min": MIN_SIGMA})
    threshold: float = field(default=20.0, metadata={"min": 0.0})
    transition: Literal["positive", "negative", "any"] | None = None
    select: Literal["first", "last", "strongest", "all"] | None = None
    interpolation: Literal["auto", "linear", "cubic", "spline"] = "auto"
    subpixel: Literal["erf", "gauss"] = "erf"

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", _number(self.sigma, "EdgeSettings.sigma",
                                                  minimum=MIN_SIGMA))
        object.__setattr__(self, "threshold", _number(self.threshold, "EdgeSettings.threshold",
                                                      minimum=0.0))
        _choice(self.transition, "EdgeSettings.transition", TRANSITIONS, optional=True)
        _choice(self.select, "EdgeSettings.select", SELECTIONS, optional=True)
        _choice(self.interpolation, "EdgeSettings.interpolation", INTERPOLATIONS)
        _choice(self.subpixel, "EdgeSettings.subpixel", SUBPIXEL)

    def with_defaults(self, *, transition: str = "any", select: str = "all") -> "EdgeSettings":
        """These settings with ``transition`` / ``select`` filled in where they are None."""
        if self.transition is not None and self.select is not None:
            return self
        if isinstance(transition, str) and isinstance(select, str):
            return _filled(self, transition, select)        # (memoised)
        return replace(self, transition=self.transition or transition,
                       select=self.select or select)        # (its checks say what is wrong)


# Frozen and hashable: the settings a finder derives on every call are made (and checked) once.
@functools.lru_cache(maxsize=64)
def _filled(edges: EdgeSettings, transition: str, select: str) -> EdgeSettings:
    return replace(edges, transition=edges.transition or transition,
                   select=edges.select or select)


@functools.lru_cache(maxsize=64)
def with_interpolation(edges: EdgeSettings, interpolation: str) -> EdgeSettings:
    """``edges`` with ``interpolation`` (a resolved "auto"), memoised: the finders ask for
    the same few on every call (internal: the package's own settings and choices)."""
    return edges if edges.interpolation == interpolation else \
        replace(edges, interpolation=interpolation)


@dataclass(frozen=True)
class FitSettings(Serializable):
    """How a line, circle or ellipse tool fits its shape to the edge points.

    Parameters
    ----------
    ransac_threshold_px : float
        Inlier distance of the robust (RANSAC) stage, px (> 0).  The robust stage only runs
        when an outlier test on the least-squares fit fires.
    passes : {1, 2}
        2: measure again with the calipers laid on the first fit when it is far from the
        expected shape (lines, circles) or always (ellipses, on its osculating circles).
    correct_curvature : bool
        Remove the bias of a blurred curved edge (about ``-sigma_e^2 / (2R)``; circles and
        ellipses).
    seed : int
        Seed of the RANSAC sampling (results are reproducible).

    Raises
    ------
    InputError
        Any value out of range.
    """

    _json_type = None
    _json_strict = True

    ransac_threshold_px: float = field(default=1.0, metadata={"min": 1e-9})
    passes: int = field(default=2, metadata={"min": 1, "max": 2})
    correct_curvature: bool = True
    seed: int = field(default=0, metadata={"min": 0})

    def __post_init__(self) -> None:
        object.__setattr__(self, "ransac_threshold_px", _number(
            self.ransac_threshold_px, "FitSettings.ransac_threshold_px", minimum=0.0,
            strict=True))
        if isinstance(self.passes, bool) or self.passes not in (1, 2):
            raise InputError(f"FitSettings.passes: expected 1 or 2, given {self.passes!r}")
        object.__setattr__(self, "passes", int(self.passes))
        if not isinstance(self.correct_curvature, (bool, np.bool_)):
            raise InputError(f"FitSettings.correct_curvature: expected True or False, given "
                             f"{self.correct_curvature!r}")
        object.__setattr__(self, "correct_curvature", bool(self.correct_curvature))
        if (isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer))
                or self.seed < 0):
            raise InputError(f"FitSettings.seed: expected an integer >= 0, given {self.seed!r}")
        object.__setattr__(self, "seed", int(self.seed))


#: the settings of ``None`` (frozen: shared)
_DEFAULT_EDGES = EdgeSettings()
_DEFAULT_FIT = FitSettings()

#: the flat keys of each settings class (recipe files and the deprecated flat keywords)
EDGE_KEYS = tuple(f.name for f in fields(EdgeSettings))
FIT_KEYS = tuple(f.name for f in fields(FitSettings))


def check_size(size: Any, where: str = "caliper_size") -> tuple[float | None, float | None]:
    """``(length, width)`` of a caliper (px), each positive or None (the tool's default)."""
    if isinstance(size, (str, bytes)) or not hasattr(size, "__len__") or len(size) != 2:
        raise InputError(f"{where}: expected (length, width) in px, each a positive number "
                         f"or None, given {size!r}")
    return tuple(None if v is None else _number(v, f"{where}[{i}]", minimum=0.0, strict=True)
                 for i, v in enumerate(size))


def check_in_image(shape: tuple, length: float, width: float, where: str) -> None:
    """Refuse a caliper ``length`` or ``width`` (px) beyond 8 image diagonals: no caliper that
    long or wide can lie in the image, and sampling it would allocate without bound."""
    h, w = int(shape[0]), int(shape[1])
    limit = 8.0 * (math.hypot(w, h) + 1.0)
    for name, v in (("length", length), ("width", width)):
        if v is not None and v > limit:
            raise InputError(f"{where}: caliper {name} {v:.4g} px is beyond 8 diagonals of the "
                             f"{w}x{h} image ({limit:.0f} px); give a smaller caliper_size "
                             f"(or an arc_deg)")


def check_arc(arc: Any, where: str = "arc_deg") -> tuple[float, float]:
    """``(start, extent)`` of an arc in degrees, ``0 < extent <= 360``."""
    if isinstance(arc, (str, bytes)) or not hasattr(arc, "__len__") or len(arc) != 2:
        raise InputError(f"{where}: expected (start, extent) in degrees, given {arc!r}")
    start = _number(arc[0], f"{where}[0]")
    extent = _number(arc[1], f"{where}[1]")
    if not 0 < extent <= 360:
        raise InputError(f"{where}: expected 0 < extent <= 360, given {extent:g}")
    return start, extent


def as_edge_settings(edges: Any, where: str = "edges") -> EdgeSettings:
    """``edges`` (an :class:`EdgeSettings`, or None for the defaults)."""
    if edges is None:
        return _DEFAULT_EDGES
    if not isinstance(edges, EdgeSettings):
        raise InputError(f"{where}: expected an EdgeSettings, given {type(edges).__name__}")
    return edges


def as_fit_settings(fit: Any, where: str = "fit") -> FitSettings:
    """``fit`` (a :class:`FitSettings`, or None for the defaults)."""
    if fit is None:
        return _DEFAULT_FIT
    if not isinstance(fit, FitSettings):
        raise InputError(f"{where}: expected a FitSettings, given {type(fit).__name__}")
    return fit


# --------------------------------------------------------------------------------------------
# the deprecated flat keywords

#: flat keyword of earlier releases -> (new parameter, field or position in it)
_LEGACY = {**{k: ("edges", k) for k in EDGE_KEYS},
           **{k: ("fit", k) for k in FIT_KEYS if k != "seed"}, "rng": ("fit", "seed"),
           "caliper_length": ("caliper_size", 0), "caliper_width": ("caliper_size", 1),
           "arc_start_deg": ("arc_deg", 0), "arc_extent_deg": ("arc_deg", 1)}
_SETTINGS = {"edges": EdgeSettings, "fit": FitSettings}


def _translate(name: str, params: Any, kw: dict) -> dict:
    """Move the flat keywords in ``kw`` into the settings / tuple parameters they belong to."""
    moved: dict[str, dict] = {}
    for k in [k for k in kw if k not in params and k in _LEGACY]:
        target, slot = _LEGACY[k]
        if target not in params:
            continue
        moved.setdefault(target, {})[slot] = kw.pop(k)
    if not moved:
        return kw
    warnings.warn(f"{name}: the flat keyword(s) "
                  f"{', '.join(sorted(str(k) for m in moved.values() for k in m))} are "
                  f"deprecated and will be removed in the next release; pass "
                  f"{' and '.join(_hint(t) for t in moved)} instead",
                  DeprecationWarning, stacklevel=3)
    for target, values in moved.items():
        current = kw.get(target, params[target].default)
        if target in _SETTINGS:
            if current is None:
                current = _SETTINGS[target]()
            if isinstance(values.get("seed"), np.random.Generator):
                raise InputError(f"{name}: rng: expected an integer seed, given a Generator")
            kw[target] = replace(current, **values)
        else:
            seq = list(current)
            for i, v in values.items():
                seq[i] = v
            kw[target] = tuple(seq)
    return kw


def _hint(target: str) -> str:
    return {"edges": "edges=EdgeSettings(...)", "fit": "fit=FitSettings(...)",
            "caliper_size": "caliper_size=(length, width)",
            "arc_deg": "arc_deg=(start, extent)"}[target]


def flat_keywords(fn: Callable) -> Callable:
    """Accept the flat keywords of earlier releases for one more release (deprecated).

    ``sigma``, ``threshold``, ``transition``, ``select``, ``interpolation``, ``subpixel`` go
    into ``edges=``; ``ransac_threshold_px``, ``passes``, ``correct_curvature``, ``rng`` into
    ``fit=``; ``caliper_length`` / ``caliper_width`` into ``caliper_size=``;
    ``arc_start_deg`` / ``arc_extent_deg`` into ``arc_deg=`` -- where ``fn`` has that parameter.
    A :class:`DeprecationWarning` names them.  The wrapped function keeps its own signature
    (``inspect.signature`` shows it), so the shim adds no public parameter.
    """
    params = inspect.signature(fn).parameters
    name = fn.__qualname__.replace(".__init__", "")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        if any(k not in params for k in kw):
            kw = _translate(name, params, kw)
        return fn(*args, **kw)

    return wrapper
