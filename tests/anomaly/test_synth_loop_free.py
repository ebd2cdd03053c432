"""The generator renders without per-pixel Python loops: a structural guard, not a timing one.

Each held-out texture has a CPU-time bound (``check_texture_fast``: 150 ms for 256 x 256),
which catches a heavy loop over the pixels but lets a light one through (a loop of a few
additions costs about a microsecond a pixel, 65 ms at 256 x 256) and moves with the machine's
load.  This file counts instead how often each line of the library runs while one sample
renders (``sys.settrace``).  A vectorised texture, layout or defect runs each of its lines a
fixed number of times (loops over features, directions, blocks of rows): measured at
128 x 128 on every texture and on every kind on three layouts, no line of ``metrology/`` ran
more than 208 times (166 at 192 x 192 on every texture, layout and kind).  A loop over the pixels of the image runs its body 16 384 times at the 128 x 128
this file renders, and one over a 32 x 32 defect box 1024 times: both are over
:data:`MAX_RUNS_PER_LINE`.

The default run renders every texture and a covering sample of layouts and kinds (each layout
and each kind at least once); ``--runslow`` pairs each with a second partner.
"""

from __future__ import annotations

import collections
import sys

import numpy as np
import pytest

from metrology.synth.defects import DEFECT_KINDS, render_defect_sample
from metrology.synth.surfaces import LAYOUTS, TEXTURES, make_texture
from tests import sampling

#: the most times any one line of the library may run during one render (module docstring:
#: today's largest is 208, a loop over a 32 x 32 box runs 1024 times)
MAX_RUNS_PER_LINE = 1000
SIDE = 128


def hottest_line(fn, under: str = "/metrology/") -> tuple[tuple[str, int], int]:
    """((file, line), runs) of the line under ``under`` that ran most often in ``fn()``."""
    runs: collections.Counter = collections.Counter()

    def trace(frame, event, arg):
        if event == "line" and under in frame.f_code.co_filename:
            runs[(frame.f_code.co_filename, frame.f_lineno)] += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return runs.most_common(1)[0] if runs else (("", 0), 0)


def _cases() -> list[tuple[str, str]]:
    kinds = ("good",) + DEFECT_KINDS
    n = max(len(LAYOUTS), len(kinds))
    shifts = (0, n // 2) if sampling.FULL else (0,)
    pairs = {(LAYOUTS[i % len(LAYOUTS)], kinds[(i + s) % len(kinds)])
             for s in shifts for i in range(n)}
    # the face layout has no feature to leave out: its "missing" goes to the plate
    return sorted({("plate", k) if (lay, k) == ("face", "missing") else (lay, k)
                   for lay, k in pairs})


@pytest.mark.parametrize("name", TEXTURES)
def test_every_texture_renders_without_a_pixel_loop(name):
    where, runs = hottest_line(
        lambda: make_texture(name, (SIDE, SIDE), np.random.default_rng(3), 0.0))
    assert runs <= MAX_RUNS_PER_LINE, (name, where, runs)


@pytest.mark.parametrize("layout,kind", _cases())
def test_layouts_and_kinds_render_without_a_pixel_loop(layout, kind):
    where, runs = hottest_line(
        lambda: render_defect_sample((SIDE, SIDE), kind, rng=5, layout=layout))
    assert runs <= MAX_RUNS_PER_LINE, (layout, kind, where, runs)


def test_the_cases_cover_every_layout_and_kind():
    cases = _cases()
    assert {lay for lay, _ in cases} == set(LAYOUTS)
    assert {k for _, k in cases} == {"good", *DEFECT_KINDS}


def _vectorised(img: np.ndarray) -> np.ndarray:
    return np.sqrt(img) + 1.0


def _pixel_loop(img: np.ndarray) -> np.ndarray:
    out = np.empty_like(img)
    for i in range(img.shape[0]):
        for j in range(img.shape[1]):
            out[i, j] = img[i, j] ** 0.5 + 1.0
    return out


def test_the_guard_tells_a_pixel_loop_from_vectorised_code():
    # the counter, pointed at this file, on the same job done both ways: a light loop over a
    # 64 x 64 image (a few milliseconds: no CPU-time bound would see it)
    img = np.random.default_rng(0).random((64, 64))
    _, runs_vec = hottest_line(lambda: _vectorised(img), under=__file__)
    _, runs_loop = hottest_line(lambda: _pixel_loop(img), under=__file__)
    assert runs_vec == 1
    assert runs_loop >= 64 * 64 > MAX_RUNS_PER_LINE
    assert np.allclose(_vectorised(img), _pixel_loop(img))
