"""Ground-truth scenes for caliper tools: straight edges, stripes, disks, ellipses and burrs.

Every shape reports its *area coverage* of the small sub-pixel cells of the renderer's fine grid
(anti-aliased exactly for straight edges, to second order in the cell size for curved ones), so
an edge's position is not rounded to the fine grid before the optical blur.  The scene is then
formed by :func:`metrology.synth.render.render_scene` (fine grid -> blur -> pixel integration)
and :func:`~metrology.synth.render.finish_image` (noise, 8-bit).

Conventions: ``(x, y)`` pixels, pixel ``(r, c)`` has centre ``(x=c, y=r)``; angles in degrees,
positive clockwise on screen (y down).

Examples
--------
>>> from metrology.synth.shapes import Disk, render_shapes
>>> img = render_shapes([(Disk((20.3, 19.7), 8.0), 120.0)], (40, 40), background=60.0,
...                     psf_sigma_px=1.0, supersample=4)
>>> img.shape
(40, 40)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..core.checks import as_vector, check_finite, check_positive
from ..errors import InputError
from .render import check_supersample, render_scene

__all__ = ["HalfPlane", "Stripe", "Disk", "Ellipse", "Union", "render_shapes",
           "square_coverage", "disk_with_burrs"]


def square_coverage(d: np.ndarray, nx: np.ndarray | float, ny: np.ndarray | float,
                    cell: float) -> np.ndarray:
    """Fraction of a square cell (side ``cell``) on the inner side of a straight edge.

    Parameters
    ----------
    d : ndarray
        Signed distance from the cell centre to the edge, positive inside (pixels).
    nx, ny : float or ndarray (broadcast with ``d``)
        Unit normal of the edge.
    cell : float
        Side of the square cell in pixels.

    Returns
    -------
    ndarray, same shape as ``d``, values in [0, 1]
        Exact area fraction: the CDF of the projection of a uniform point of the square on the
        normal (a trapezoid density of widths ``cell*|nx|`` and ``cell*|ny|``).
    """
    d = _grid_array(d, "d")
    nx = _grid_array(nx, "nx")
    ny = _grid_array(ny, "ny")
    cell = _cell(cell)
    try:
        np.broadcast_shapes(d.shape, nx.shape, ny.shape)
    except ValueError:
        raise InputError(f"square_coverage: shapes {d.shape}, {nx.shape}, {ny.shape} do not "
                         f"broadcast") from None
    return _square_coverage(d, nx, ny, cell)


def _square_coverage(d, nx, ny, cell: float) -> np.ndarray:
    """:func:`square_coverage` without the checks (the renderer's inner loop)."""
    a = np.maximum(np.abs(nx) * cell, 1e-7 * cell)
    b = np.maximum(np.abs(ny) * cell, 1e-7 * cell)
    z = d + 0.5 * (a + b)

    def r(u):
        return np.square(np.maximum(u, 0.0))

    f = (r(z) - r(z - a) - r(z - b) + r(z - a - b)) / (2.0 * a * b)
    return np.clip(f, 0.0, 1.0)


def _grid_array(v, name: str) -> np.ndarray:
    """A finite real array (coordinates of the fine grid, distances, normals)."""
    from ..core.checks import _numeric

    a = _numeric(v, name, "real numbers")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: expected finite values, given NaN/inf")
    if a.size and float(np.abs(a).max()) > 1e15:
        raise InputError(f"{name}: values beyond +-1e15 px")
    return a


def _grid(X, Y, cell) -> tuple[np.ndarray, np.ndarray, float]:
    X = _grid_array(X, "X")
    Y = _grid_array(Y, "Y")
    if X.shape != Y.shape:
        raise InputError(f"X, Y: expected arrays of the same shape, given {X.shape} and "
                         f"{Y.shape}")
    return X, Y, _cell(cell)


def _cell(cell) -> float:
    """Cell side in (1e-6, 1e6] px (a cell of 1e-300 px underflows the coverage to NaN)."""
    c = check_positive(cell, "cell", max=1e6)
    if c < 1e-6:
        raise InputError(f"cell: expected at least 1e-6 px, given {c:g}")
    return c


class _Shape:
    def coverage(self, X: np.ndarray, Y: np.ndarray, cell: float) -> np.ndarray:
        """Area fraction (0..1) of the square cells of side ``cell`` centred on ``(X, Y)``
        covered by the shape; ``X``, ``Y`` arrays of one shape (pixels)."""
        X, Y, cell = _grid(X, Y, cell)
        return self._cov(X, Y, cell)

    def _cov(self, X: np.ndarray, Y: np.ndarray, cell: float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def _vec(v, name: str) -> tuple[float, float]:
    a = as_vector(v, name)
    if np.abs(a).max() > 1e15:
        raise InputError(f"{name}: values beyond +-1e15 px")
    return (float(a[0]), float(a[1]))


@dataclass(frozen=True)
class HalfPlane(_Shape):
    """Everything on the side of the line through ``point_xy`` that ``normal_deg`` points to.

    ``normal_deg`` is the direction of the inward normal: 0 -> +x, 90 -> +y (down).
    """

    point_xy: tuple[float, float]
    normal_deg: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "point_xy", _vec(self.point_xy, "point_xy"))
        object.__setattr__(self, "normal_deg", check_finite(self.normal_deg, "normal_deg"))

    def _cov(self, X, Y, cell):
        p = self.point_xy
        t = math.radians(self.normal_deg)
        nx, ny = math.cos(t), math.sin(t)
        d = (X - p[0]) * nx + (Y - p[1]) * ny
        return _square_coverage(d, nx, ny, cell)


@dataclass(frozen=True)
class Stripe(_Shape):
    """A bar between the line through ``point_xy`` and the parallel line ``width`` further
    along ``normal_deg``."""

    point_xy: tuple[float, float]
    normal_deg: float
    width: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "point_xy", _vec(self.point_xy, "point_xy"))
        object.__setattr__(self, "normal_deg", check_finite(self.normal_deg, "normal_deg"))
        object.__setattr__(self, "width", check_positive(self.width, "width", max=1e15))

    def _cov(self, X, Y, cell):
        p = self.point_xy
        w = self.width
        t = math.radians(self.normal_deg)
        nx, ny = math.cos(t), math.sin(t)
        d = (X - p[0]) * nx + (Y - p[1]) * ny
        return np.clip(_square_coverage(d, nx, ny, cell) - _square_coverage(d - w, nx, ny, cell),
                       0.0, 1.0)


@dataclass(frozen=True)
class Disk(_Shape):
    """A filled circle (coverage uses the local tangent line: exact to O(cell^2 / radius))."""

    center_xy: tuple[float, float]
    radius: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "center_xy", _vec(self.center_xy, "center_xy"))
        object.__setattr__(self, "radius", check_positive(self.radius, "radius", max=1e15))

    def _cov(self, X, Y, cell):
        c = self.center_xy
        r = self.radius
        dx, dy = X - c[0], Y - c[1]
        rho = np.hypot(dx, dy)
        safe = np.maximum(rho, 1e-12)
        return _square_coverage(r - rho, dx / safe, dy / safe, cell)


@dataclass(frozen=True)
class Ellipse(_Shape):
    """A filled ellipse with semi-axes ``(a, b)`` (a along the direction ``angle_deg``)."""

    center_xy: tuple[float, float]
    semi_axes: tuple[float, float]
    angle_deg: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "center_xy", _vec(self.center_xy, "center_xy"))
        ax = _vec(self.semi_axes, "semi_axes")
        if min(ax) <= 0:
            raise InputError(f"semi_axes: expected positive, given {list(ax)}")
        object.__setattr__(self, "semi_axes", ax)
        object.__setattr__(self, "angle_deg", check_finite(self.angle_deg, "angle_deg"))

    def _cov(self, X, Y, cell):
        c = self.center_xy
        ax = self.semi_axes
        t = math.radians(self.angle_deg)
        ct, st = math.cos(t), math.sin(t)
        dx, dy = X - c[0], Y - c[1]
        u = ct * dx + st * dy
        v = -st * dx + ct * dy
        # implicit F = sqrt((u/a)^2 + (v/b)^2) - 1 scaled to a distance by its gradient
        q = np.sqrt((u / ax[0]) ** 2 + (v / ax[1]) ** 2)
        qs = np.maximum(q, 1e-12)
        gu = u / (ax[0] ** 2 * qs)
        gv = v / (ax[1] ** 2 * qs)
        gn = np.maximum(np.hypot(gu, gv), 1e-12)
        d = (1.0 - q) / gn
        gx = (ct * gu - st * gv) / gn
        gy = (st * gu + ct * gv) / gn
        return _square_coverage(d, gx, gy, cell)


@dataclass(frozen=True)
class Union(_Shape):
    """Union of shapes (coverage = the maximum of theirs; exact away from where they touch)."""

    shapes: tuple

    def __post_init__(self) -> None:
        if isinstance(self.shapes, (str, bytes)) or not hasattr(self.shapes, "__iter__"):
            raise InputError(f"Union: expected a sequence of shapes, given "
                             f"{type(self.shapes).__name__}")
        shapes = tuple(self.shapes)
        if not shapes or not all(isinstance(v, _Shape) for v in shapes):
            raise InputError("Union: expected at least one shape (HalfPlane, Stripe, Disk, "
                             "Ellipse or Union)")
        object.__setattr__(self, "shapes", shapes)

    def _cov(self, X, Y, cell):
        out = None
        for s in self.shapes:
            c = s._cov(X, Y, cell)
            out = c if out is None else np.maximum(out, c)
        if out is None:
            raise InputError("Union: expected at least one shape")
        return out


def render_shapes(layers: Sequence[tuple[_Shape, float]], shape: tuple[int, int], *,
                  background: float = 0.0, psf_sigma_px: float = 1.0,
                  supersample: int = 8) -> np.ndarray:
    """Render ``background + sum(contrast_i * coverage_i)`` through the physical renderer.

    Parameters
    ----------
    layers : sequence of (shape, contrast)
        Shapes (:class:`HalfPlane`, :class:`Stripe`, :class:`Disk`, :class:`Ellipse`,
        :class:`Union`) and their gray-level contrast (negative for dark shapes).
    shape : (H, W)
    background : float
        Gray level outside every shape.
    psf_sigma_px : float
        Gaussian optical blur (pixels), applied on the fine grid before pixel integration.
    supersample : int
        Fine samples per pixel along each axis; 16 for sub-0.005 px ground truth.

    Returns
    -------
    ndarray, shape (H, W), float64
        Clean image; pass it to :func:`metrology.synth.render.finish_image` for noise and 8 bits.
    """
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise InputError(f"layers: expected (shape, contrast) pairs, given "
                         f"{type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise InputError("layers: expected at least one (shape, contrast) pair")
    for item in layers:
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not isinstance(item[0],
                                                                                  _Shape):
            raise InputError("layers: expected (shape, contrast) pairs with shape objects, "
                             f"given {item!r:.60}")
        check_finite(item[1], "contrast", min=-1e6, max=1e6)
    cell = 1.0 / check_supersample(supersample)
    bg = check_finite(background, "background", min=-1e6, max=1e6)

    def radiance(X, Y):
        out = np.full(X.shape, bg)
        for s, c in layers:
            out += float(c) * s._cov(X, Y, cell)
        return out

    return render_scene(radiance, shape, supersample=supersample, psf_sigma_px=psf_sigma_px)


def disk_with_burrs(center_xy, radius: float, burrs) -> Union:
    """A disk with burrs: small disks straddling its rim (outliers for circle tools).

    Parameters
    ----------
    center_xy : array_like (2,)
    radius : float
    burrs : sequence of (angle_deg, burr_radius)
        Each burr is a disk of ``burr_radius`` centred ``burr_radius / 2`` outside the rim
        at ``angle_deg`` (it sticks out by 1.5 ``burr_radius``).

    Returns
    -------
    Union
        Render with :func:`render_shapes` like any shape.
    """
    c = np.array(_vec(center_xy, "center_xy"))
    r = check_positive(radius, "radius", max=1e15)
    if isinstance(burrs, (str, bytes)) or not hasattr(burrs, "__iter__"):
        raise InputError(f"burrs: expected (angle_deg, radius) pairs, given "
                         f"{type(burrs).__name__}")
    blobs = []
    for item in burrs:
        if not isinstance(item, (tuple, list, np.ndarray)) or len(item) != 2:
            raise InputError(f"burrs: expected (angle_deg, radius) pairs, given {item!r:.60}")
        ang, b = item
        b = check_positive(b, "burr radius", max=1e15)
        t = math.radians(check_finite(ang, "burr angle"))
        p = c + (r + 0.5 * b) * np.array([math.cos(t), math.sin(t)])
        blobs.append(Disk((float(p[0]), float(p[1])), b))
    return Union((Disk((float(c[0]), float(c[1])), r), *blobs))
