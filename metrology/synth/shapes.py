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
from .render import render_scene

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
    a = np.maximum(np.abs(nx) * cell, 1e-7 * cell)
    b = np.maximum(np.abs(ny) * cell, 1e-7 * cell)
    z = d + 0.5 * (a + b)

    def r(u):
        return np.square(np.maximum(u, 0.0))

    f = (r(z) - r(z - a) - r(z - b) + r(z - a - b)) / (2.0 * a * b)
    return np.clip(f, 0.0, 1.0)


class _Shape:
    def coverage(self, X: np.ndarray, Y: np.ndarray, cell: float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class HalfPlane(_Shape):
    """Everything on the side of the line through ``point_xy`` that ``normal_deg`` points to.

    ``normal_deg`` is the direction of the inward normal: 0 -> +x, 90 -> +y (down).
    """

    point_xy: tuple[float, float]
    normal_deg: float

    def coverage(self, X, Y, cell):
        p = as_vector(self.point_xy, "point_xy")
        t = math.radians(check_finite(self.normal_deg, "normal_deg"))
        nx, ny = math.cos(t), math.sin(t)
        d = (X - p[0]) * nx + (Y - p[1]) * ny
        return square_coverage(d, nx, ny, cell)


@dataclass(frozen=True)
class Stripe(_Shape):
    """A bar between the line through ``point_xy`` and the parallel line ``width`` further
    along ``normal_deg``."""

    point_xy: tuple[float, float]
    normal_deg: float
    width: float

    def coverage(self, X, Y, cell):
        p = as_vector(self.point_xy, "point_xy")
        w = check_positive(self.width, "width")
        t = math.radians(check_finite(self.normal_deg, "normal_deg"))
        nx, ny = math.cos(t), math.sin(t)
        d = (X - p[0]) * nx + (Y - p[1]) * ny
        return np.clip(square_coverage(d, nx, ny, cell) - square_coverage(d - w, nx, ny, cell),
                       0.0, 1.0)


@dataclass(frozen=True)
class Disk(_Shape):
    """A filled circle (coverage uses the local tangent line: exact to O(cell^2 / radius))."""

    center_xy: tuple[float, float]
    radius: float

    def coverage(self, X, Y, cell):
        c = as_vector(self.center_xy, "center_xy")
        r = check_positive(self.radius, "radius")
        dx, dy = X - c[0], Y - c[1]
        rho = np.hypot(dx, dy)
        safe = np.maximum(rho, 1e-12)
        return square_coverage(r - rho, dx / safe, dy / safe, cell)


@dataclass(frozen=True)
class Ellipse(_Shape):
    """A filled ellipse with semi-axes ``(a, b)`` (a along the direction ``angle_deg``)."""

    center_xy: tuple[float, float]
    semi_axes: tuple[float, float]
    angle_deg: float

    def coverage(self, X, Y, cell):
        c = as_vector(self.center_xy, "center_xy")
        ax = as_vector(self.semi_axes, "semi_axes")
        if np.any(ax <= 0):
            raise InputError(f"semi_axes: expected positive, given {ax.tolist()}")
        t = math.radians(check_finite(self.angle_deg, "angle_deg"))
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
        return square_coverage(d, gx, gy, cell)


@dataclass(frozen=True)
class Union(_Shape):
    """Union of shapes (coverage = the maximum of theirs; exact away from where they touch)."""

    shapes: tuple

    def coverage(self, X, Y, cell):
        out = None
        for s in self.shapes:
            c = s.coverage(X, Y, cell)
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
    layers = list(layers)
    if not layers:
        raise InputError("layers: expected at least one (shape, contrast) pair")
    for s, c in layers:
        if not isinstance(s, _Shape):
            raise InputError(f"layers: expected shape objects, given {type(s).__name__}")
        check_finite(c, "contrast")
    cell = 1.0 / int(supersample)
    bg = check_finite(background, "background")

    def radiance(X, Y):
        out = np.full(X.shape, bg)
        for s, c in layers:
            out += float(c) * s.coverage(X, Y, cell)
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
    c = as_vector(center_xy, "center_xy")
    r = check_positive(radius, "radius")
    blobs = []
    for ang, b in burrs:
        b = check_positive(b, "burr radius")
        t = math.radians(check_finite(ang, "burr angle"))
        p = c + (r + 0.5 * b) * np.array([math.cos(t), math.sin(t)])
        blobs.append(Disk((float(p[0]), float(p[1])), b))
    return Union((Disk((float(c[0]), float(c[1])), r), *blobs))
