"""The scan channels' inner kernels, rewritten for speed on 2026-12-07, against the plain
formulas they replace (written out here as the oracles):

* the comb channel's band energies: each direction's spectrum block taken as a slice of the
  tiled spectrum in increasing order, inverse transformed by OpenCV, against the gathered
  block in FFT order inverse transformed by scipy (a circular shift of a spectrum turns only
  the phase of its inverse, so the energy is the same);
* its whitened spectrum (OpenCV's Gaussian on the wrapped spectrum, the division as two float32
  channels) against scipy's ``gaussian_filter(mode="wrap")`` and a complex division;
* the jet channel's two Mahalanobis lengths per group as lengths of whitened responses, against
  the quadratic forms; its covariance without a centred copy against ``np.cov``;
* ``single_blas_thread`` looks ``threadpoolctl`` up once per process.

Tolerances: the rewritten kernels round differently in float32; 1e-5 of the largest value
(float32's epsilon is 1.2e-7, and a 128 x 128 DFT adds about 7 bits of rounding) bounds them.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest
import scipy.fft as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from metrology.anomaly import _blas
from metrology.anomaly._comb_scan import (BANDS, FLOOR, OWN_SMOOTH_BINS, OWN_WEIGHT,
                                          SMOOTH_PX, CombScan, _carrier_blocks, _wrap_blur,
                                          _wrap_start)
from metrology.anomaly._jet_scan import OWN_FLOOR, JetScan, _cov_of
from metrology.errors import InputError


def _old_energies(cs: CombScan, spectrum: np.ndarray) -> np.ndarray:
    blocks = _carrier_blocks(cs.roi.shape, BANDS[cs.name], cs.div)
    take = np.stack([(r[:, None] * cs.roi.shape[1] + c[None, :]).ravel() for r, c, _ in blocks])
    kernels = np.stack([k for _, _, k in blocks])
    b = spectrum.ravel()[take].reshape(kernels.shape) * kernels
    r = sf.ifft2(b, axes=(-2, -1))
    e = (r.real ** 2 + r.imag ** 2).astype(np.float32)
    return np.stack([cv2.GaussianBlur(v, (0, 0), SMOOTH_PX / cs.div) for v in e])


def _old_spectrum(cs: CombScan, x: np.ndarray) -> np.ndarray:
    f = sf.fft2(x.astype(np.float32))
    p = (f.real ** 2 + f.imag ** 2).astype(np.float32)
    own = ndimage.gaussian_filter(p, OWN_SMOOTH_BINS, mode="wrap")
    own = np.sqrt(np.maximum(own, FLOOR * float(np.median(own)) + 1e-30))
    return f / (cs.white ** (1 - OWN_WEIGHT) * own ** OWN_WEIGHT)


def _close(a: np.ndarray, b: np.ndarray, rel: float = 1e-5) -> None:
    assert a.shape == b.shape
    assert float(np.abs(a - b).max()) <= rel * float(np.abs(b).max())


@pytest.mark.parametrize("shape", [(128, 128), (96, 80), (61, 77), (33, 130)])
@pytest.mark.parametrize("name", sorted(BANDS))
def test_comb_energies_and_spectrum_equal_the_plain_formulas(shape, name):
    g = np.random.default_rng(sum(shape) + len(name))
    roi = np.zeros(shape, bool)
    roi[8:-8, 8:-8] = True
    white = np.exp(g.normal(0, 0.5, shape)).astype(np.float32)
    try:
        cs = CombScan(roi, white, np.ones(36), name)
    except InputError:  # a face too small for the band's blocks: not this test's business
        pytest.skip("face too small for this band's blocks")
    x = g.normal(0, 1, shape).astype(np.float32)
    spec = cs._spectrum(x)
    _close(spec, _old_spectrum(cs, x))
    _close(cs.energies(x, spec), _old_energies(cs, spec))
    # every direction's block is a slice of the tiled spectrum: none reaches past the tiling
    assert len(cs.starts) == len(cs.kernels)
    assert all(0 <= r0 < shape[0] and 0 <= c0 < shape[1] for r0, c0 in cs.starts)


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), sigma=st.sampled_from([0.8, 2.0, 3.3]),
       seed=st.integers(0, 2 ** 16))
def test_wrap_blur_is_scipys_wrapping_gaussian(h, w, sigma, seed):
    p = np.random.default_rng(seed).random((h, w)).astype(np.float32) ** 3
    _close(_wrap_blur(p, sigma), ndimage.gaussian_filter(p, sigma, mode="wrap"))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_wrap_start_finds_the_first_index_of_a_wrapped_run(n, data):
    length = data.draw(st.integers(1, n - 1))
    start = data.draw(st.integers(0, n - 1))
    turn = data.draw(st.integers(0, length - 1))
    idx = np.roll((start + np.arange(length)) % n, turn)
    assert _wrap_start(idx, n) == start


def test_wrap_start_is_what_the_carrier_blocks_need():
    """Every direction's rows and columns, in increasing order from the start found, are the
    block's indices: the slice of the tiled spectrum holds the same values."""
    for name in BANDS:
        for shape in ((256, 256), (61, 77)):
            for r, c, _ in _carrier_blocks(shape, BANDS[name], 2):
                for idx, n in ((r, shape[0]), (c, shape[1])):
                    s = _wrap_start(idx, n)
                    assert sorted((s + np.arange(len(idx))) % n) == sorted(idx % n)


@pytest.fixture(scope="module")
def jet():
    g = np.random.default_rng(3)
    train = [cv2.GaussianBlur(g.normal(0, 1, (64, 72)).astype(np.float32), (0, 0), 1.1) + 1.0
             for _ in range(12)]
    held = np.arange(12) % 4 == 3
    return JetScan.fit(train, held, np.ones((64, 72), bool)), train


def test_jet_statistics_equal_the_quadratic_forms(jet):
    js, train = jet
    x = js.signal(train[0] * 1.3)
    got = {i: st for i, _, st in js.statistics(x)}
    n = 0
    for j, lv, rr in js._group_maps(x):
        k = len(rr)
        wt = js.whiten[j, :k, :k].astype(np.float64)
        trained = wt.T @ wt
        v = rr.reshape(k, -1)[:, lv.sub_idx].astype(np.float64)
        own = _cov_of(v) + OWN_FLOOR * np.linalg.inv(trained)
        for n_q, q in enumerate((trained, np.linalg.inv(own))):
            flat = rr.reshape(k, -1).astype(np.float64)
            ref = np.sqrt(np.maximum(np.einsum("in,ij,jn->n", flat, q, flat), 0))
            _close(got[2 * j + n_q].ravel().astype(np.float64), ref, 1e-5)
            n += 1
    assert n == len(got) == 2 * js.n_groups


def test_jet_statistics_collect_the_whitened_responses(jet):
    """The head's features taken from the same pass (``collect``) are W r, as ``_whitened``
    makes them, after the statistics are computed (the squares are taken in place: the
    collected responses must not be those squares; main failed test_jet_head twice so)."""
    js, train = jet
    x = js.signal(train[1])
    got: list = []
    stats = list(js.statistics(x, got))
    ref = [(lv, js._whitened(j, rr)) for j, lv, rr in js._group_maps(x)]
    assert len(got) == len(ref) == len(stats) // 2
    for (lv, a), (lv2, b) in zip(got, ref):
        assert lv is lv2
        _close(a, b)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 3), n=st.integers(8, 400), seed=st.integers(0, 2 ** 16))
def test_covariance_without_a_centred_copy_is_np_cov(k, n, seed):
    g = np.random.default_rng(seed)
    v = g.normal(g.normal(0, 3, (k, 1)), g.uniform(0.5, 2, (k, 1)), (k, n))
    ref = np.atleast_2d(np.cov(v))
    _close(_cov_of(v), ref, 1e-9)


def test_threadpoolctl_is_looked_up_once(monkeypatch):
    """Without an OpenBLAS entry point the fallback is threadpoolctl, imported once: a failed
    import on every call cost 0.7 ms, twice per score."""
    monkeypatch.setattr(_blas, "_api", False)
    monkeypatch.setattr(_blas, "_tpc", None)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)   # import fails
    with _blas.single_blas_thread():
        pass
    assert _blas._tpc is False
    calls = []

    class _Fake:
        @staticmethod
        def threadpool_limits(*a, **k):
            calls.append(a)
            raise AssertionError("looked up again")

    monkeypatch.setitem(sys.modules, "threadpoolctl", _Fake)
    with _blas.single_blas_thread():
        x = np.ones((4, 4)) @ np.ones((4, 4))
    assert calls == [] and x[0, 0] == 4


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3000), rows=st.integers(1, 4), f32=st.booleans(),
       ties=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_median_is_np_median_bit_for_bit(n, rows, f32, ties, seed):
    """``_median.median`` (one partition and half a pass) gives ``np.median``'s float, odd
    and even counts, ties, float32 and float64, flattened and per row."""
    from metrology.anomaly._median import median

    g = np.random.default_rng(seed)
    a = g.integers(0, 5, (rows, n)) if ties else g.normal(0, 1, (rows, n))
    a = a.astype(np.float32 if f32 else np.float64)
    got, ref = median(a), np.median(a)
    assert got == ref and np.asarray(got).dtype == np.asarray(ref).dtype
    assert np.array_equal(median(a, axis=1), np.median(a, axis=1))
    with pytest.raises(ValueError):
        median(a, axis=0)


def test_a_band_pickled_with_gathered_blocks_scores_as_before():
    """A comb band pickled before the blocks became slices (a flat ``take`` index and its
    band-passes in FFT order, no ``starts``) unpickles to the slice scan, same energies."""
    import pickle

    g = np.random.default_rng(5)
    roi = np.zeros((96, 112), bool)
    roi[8:-8, 8:-8] = True
    cs = CombScan(roi, np.exp(g.normal(0, 0.3, roi.shape)).astype(np.float32), np.ones(36))
    blocks = _carrier_blocks(roi.shape, BANDS[cs.name], cs.div)
    state = dict(cs.__dict__)
    del state["starts"]
    state["take"] = np.stack([(r[:, None] * roi.shape[1] + c[None, :]).ravel()
                              for r, c, _ in blocks])
    state["kernels"] = np.stack([k for _, _, k in blocks])
    old = CombScan.__new__(CombScan)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    x = g.normal(0, 1, roi.shape).astype(np.float32)
    assert not hasattr(old, "take")
    assert np.array_equal(old.energies(x), cs.energies(x))
