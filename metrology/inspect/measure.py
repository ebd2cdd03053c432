"""Derived measurements from fitted features, with their uncertainty budget and pass/fail.

Uncertainty (:mod:`metrology.inspect.uncertainty`): each value carries an
:class:`~metrology.inspect.uncertainty.UncertaintyBudget` -- the edge evidence of this image
(each feature's fit covariance; features come from disjoint edge points, so their parameters
are independent), the calibration, the plane, the board detector's scale bias, placement and
scale -- and ``uncertainty`` is its combined standard uncertainty (1 sigma); ``U = 2 u`` is
the expanded one.  Every term is propagated with ``J``, the central-difference Jacobian of the
measurement over the parameters of the features it uses (a handful, so cheap and exact to first
order).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import FitError, InputError
from .._serial import Serializable
from ..caliper.features import Feature
from .spec import MeasurementSpec
from .uncertainty import PlaneCovariance, UncertaintyBudget, budget

__all__ = ["MeasurementResult", "measure"]  # evaluate, feature_needs: internal (recipe.py)


@dataclass(frozen=True)
class MeasurementResult(Serializable):
    """One measurement of one part.

    Attributes
    ----------
    name, type : str
        From the recipe.
    unit : str
        ``"mm"`` (lengths, positions) or ``"deg"`` (angles).
    value : float or None
        Measured value in ``unit`` (None when it could not be measured; see ``error``).
    value_px : float or None
        The same measurement computed in image pixels (angles: in the image, deg), for
        reference; it ignores distortion and perspective.
    uncertainty : float or None
        Combined standard uncertainty (1 sigma) of ``value``: ``uncertainty_budget.combined``
        (None when not estimable).
    uncertainty_budget : UncertaintyBudget or None
        Its components (edge fit, calibration, plane, corner bias, placement, scale), the
        combined value and the expanded uncertainty ``U`` (k = 2).
    nominal, min, max : float or None
        Tolerance (None when the recipe gives none: reported, never failed).
    passed : bool or None
        Inside the tolerance (None without tolerance); False when not measured.
    error : str or None
        Why the measurement could not be made.
    features : tuple of str
        The features (tool names) it was computed from.
    """

    _json_type = None     # its own field ``type`` is the measurement type

    name: str
    type: str
    unit: str
    value: float | None
    value_px: float | None = None
    uncertainty: float | None = None
    nominal: float | None = None
    min: float | None = None
    max: float | None = None
    passed: bool | None = None
    error: str | None = None
    features: tuple[str, ...] = ()
    uncertainty_budget: UncertaintyBudget | None = None

    @property
    def expanded_uncertainty(self) -> float | None:
        """``U = k u_c`` (k = 2) of the budget (None without one)."""
        b = self.uncertainty_budget
        return None if b is None else b.expanded

    @property
    def deviation(self) -> float | None:
        """``value - nominal`` (None without a nominal or a value)."""
        if self.value is None or self.nominal is None:
            return None
        return self.value - self.nominal


#: what each measurement asks of its features (feature capabilities,
#: :data:`metrology.caliper.features.CAPABILITIES`): any one of these
_POINT = ("point",)
_POINT_OR_LINE = ("point", "line")


def feature_needs(spec: MeasurementSpec) -> list[tuple[str, tuple[str, ...]]]:
    """(feature name, capabilities it must provide, any one of) of a measurement (checked at
    recipe load against the tools' ``feature_type.provides``)."""
    needs = _plain_needs(spec)
    if spec.tangent_to:      # its circles are held tangent to lines
        circles = set(spec.features)
        needs = [(n, ("radius",) if n in circles else caps) for n, caps in needs]
        needs += [(n, ("line",)) for n in spec.tangent_to]
    return needs


def _plain_needs(spec: MeasurementSpec) -> list[tuple[str, tuple[str, ...]]]:
    if spec.type in ("diameter", "radius"):
        return [(spec.features[0], ("radius",))]
    if spec.type == "width":
        return [(spec.features[0], ("width",))]
    if spec.type == "distance":
        return [(spec.features[0], _POINT_OR_LINE), (spec.features[1], _POINT_OR_LINE)]
    if spec.type == "angle":
        return [(spec.features[0], ("line",)), (spec.features[1], ("line",))]
    # position
    dat = spec.datum
    out = [(spec.features[0], _POINT), (dat.origin, _POINT_OR_LINE), (dat.x_axis, ("line",))]
    if dat.y_towards:
        out.append((dat.y_towards, _POINT_OR_LINE))
    return out


def _needed(spec: MeasurementSpec) -> list[str]:
    names = list(spec.features)
    if spec.datum is not None:
        names += [n for n in spec.datum.features() if n not in names]
    names += [n for n in spec.tangent_to if n not in names]
    return names


def _intersect(a: Feature, b: Feature) -> np.ndarray:
    from ..core import intersect_lines

    p = np.asarray(intersect_lines(a.point, a.direction, b.point, b.direction), float)
    p = p.reshape(-1)[:2]
    if not np.all(np.isfinite(p)):
        raise FitError(f"lines {a.name!r} and {b.name!r} are parallel: no intersection")
    return p


def _datum_frame(spec: MeasurementSpec, f: Mapping[str, Feature]):
    dat = spec.datum
    xf = f[dat.x_axis]
    org = f[dat.origin]
    o = _intersect(org, xf) if org.is_line else org.point
    x = xf.direction
    y = np.array([-x[1], x[0]])
    if dat.y_towards:
        ref = f[dat.y_towards].point
        if float(np.dot(ref - o, y)) < 0:
            y = -y
    return o, x, y


def evaluate(spec: MeasurementSpec, f: Mapping[str, Feature]) -> float:
    """Value of ``spec`` from features ``f`` (all in one space: mm, px or deg for angles); with
    ``tangent_to``, after fitting its circles jointly with those lines, tangent to them."""
    if spec.tangent_to:
        from .tangent import tangent_adjusted

        f = tangent_adjusted(f, spec.features, spec.tangent_to)
    t = spec.type
    if t in ("diameter", "radius"):
        r = f[spec.features[0]].radius(spec.which)
        return float(2 * r if t == "diameter" else r)
    if t == "width":
        return float(f[spec.features[0]].width)
    if t == "distance":
        a, b = f[spec.features[0]], f[spec.features[1]]
        if not a.is_line and not b.is_line:
            return float(np.hypot(*(a.point - b.point)))
        if a.is_line and b.is_line:
            return float(0.5 * (abs(np.dot(a.point - b.point, b.normal))
                                + abs(np.dot(b.point - a.point, a.normal))))
        line, pt = (a, b) if a.is_line else (b, a)
        return float(abs(np.dot(pt.point - line.point, line.normal)))
    if t == "angle":
        d1, d2 = f[spec.features[0]].direction, f[spec.features[1]].direction
        return math.degrees(math.atan2(abs(d1[0] * d2[1] - d1[1] * d2[0]), float(d1 @ d2)))
    # position
    o, x, y = _datum_frame(spec, f)
    p = f[spec.features[0]].point - o
    px, py = float(p @ x), float(p @ y)
    if spec.axis == "x":
        return px
    if spec.axis == "y":
        return py
    nx, ny = spec.nominal_xy_mm
    return 2.0 * math.hypot(px - nx, py - ny)


def _check_measure_args(spec, feats_mm, feats_px, errors, covariance) -> None:
    if not isinstance(spec, MeasurementSpec):
        raise InputError(f"spec: expected a MeasurementSpec, given {type(spec).__name__}")
    for name, feats in (("feats_mm", feats_mm), ("feats_px", feats_px)):
        if feats is None and name == "feats_px":
            continue
        if not isinstance(feats, Mapping) or not all(isinstance(f, Feature)
                                                     for f in feats.values()):
            raise InputError(f"{name}: expected a mapping of tool name -> Feature")
    if errors is not None and not isinstance(errors, Mapping):
        raise InputError(f"errors: expected a mapping, given {type(errors).__name__}")
    if covariance is not None and not isinstance(covariance, PlaneCovariance):
        raise InputError(f"covariance: expected a PlaneCovariance, given "
                         f"{type(covariance).__name__}")


def measure(spec: MeasurementSpec, feats_mm: Mapping[str, Feature],
            feats_px: Mapping[str, Feature] | None = None,
            errors: Mapping[str, str] | None = None, *,
            grads: Mapping[str, Mapping[str, np.ndarray]] | None = None,
            covariance: PlaneCovariance | None = None) -> MeasurementResult:
    """Evaluate ``spec``: value (mm/deg) with its uncertainty budget, pixel value and pass/fail.

    Features that failed (named in ``errors``) make the measurement fail with that reason.

    Parameters
    ----------
    spec : MeasurementSpec
    feats_mm, feats_px : mapping
        Tool name -> fitted feature on the plane (mm) / in the image (px).
    errors : mapping, optional
        Tool name -> why it has no feature.
    grads : mapping, optional
        How the mm features move with the station's parameters
        (:func:`metrology.inspect.uncertainty.feature_gradients`); without it only the edge
        term of the budget is evaluated.
    covariance : PlaneCovariance, optional
        The station's (``Station.covariance``).
    """
    _check_measure_args(spec, feats_mm, feats_px, errors, covariance)
    if grads is not None and not (isinstance(grads, Mapping) and all(
            isinstance(g, Mapping) for g in grads.values())):
        raise InputError(f"grads: expected a mapping of tool name -> mapping of parameter "
                         f"gradients, given {type(grads).__name__}")
    tol = spec.tolerance
    lim = dict(features=tuple(_needed(spec)),
               nominal=tol.nominal if tol is not None and tol.has_nominal else None,
               min=None if tol is None else tol.min, max=None if tol is None else tol.max)
    missing = [n for n in _needed(spec) if n not in feats_mm]
    if missing:
        why = "; ".join(f"{n}: {(errors or {}).get(n, 'not measured')}" for n in missing)
        return MeasurementResult(spec.name, spec.type, spec.unit, None, passed=False,
                                 error=why, **lim)
    try:
        value = evaluate(spec, feats_mm)
        value_px = evaluate(spec, feats_px) if feats_px is not None and all(
            n in feats_px for n in _needed(spec)) else None
        bud = budget(lambda f: evaluate(spec, f), dict(feats_mm), _needed(spec), grads or {},
                     covariance if grads else None, unit=spec.unit,
                     scale_invariant=spec.type == "angle")
    except FitError as exc:
        return MeasurementResult(spec.name, spec.type, spec.unit, None, passed=False,
                                 error=str(exc), **lim)
    if spec.type == "position" and spec.axis == "true_position":
        value_px = None  # a mm-frame construction; no pixel counterpart
    passed = None if tol is None else tol.check(value)
    unc = bud.combined if bud.components["edge_fit"] is not None else None
    return MeasurementResult(spec.name, spec.type, spec.unit, value, value_px, unc,
                             passed=passed, uncertainty_budget=bud, **lim)
