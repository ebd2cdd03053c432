"""The ring channel (``ring_scan``, ``_ring_scan``): each ring is a whitened matched filter of
unit energy; the evidence does not depend on a ring's polarity, turns with the image and moves
with it; a faint thin ring on a textured face is found where it is and above the good faces; a
bank keeps the channel (version 17) and refuses damaged or contradicting headers; the setting
and the CLI take the switch."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from metrology.anomaly import PatchCore, PatchCoreSettings
from metrology.anomaly._line_scan import smooth_psd
from metrology.anomaly._bank_version import unwrap_version
from metrology.anomaly._ring_scan import RADII_PX, VERSION, WIDTHS_PX, RingScan, ring_templates
from metrology.errors import InputError
from tests.anomaly.test_local_rms import check_cli_switch
from tests.anomaly.test_patchcore import _each_damage_raises, bank_version, round_trips
from tests.anomaly.test_texture_energy import _good

N = 96


def _face(seed: int, shape=(N, N)) -> np.ndarray:
    """A stationary textured face signal: white noise through a 1.2 px Gaussian, wrapping
    round the image as the channel's circular filters do (a seam at the border would be a
    line every ring answers), unit spread, float32."""
    g = np.random.default_rng(seed)
    x = ndimage.gaussian_filter(g.standard_normal(shape), 1.2, mode="wrap")
    return (x / x.std()).astype(np.float32)


def _ring(center, radius: float, width: float = 0.7, shape=(N, N)) -> np.ndarray:
    """A thin ring's profile, 1 at its crest, analytic (no grid of its own)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    r = np.hypot(xx - center[0], yy - center[1])
    return np.exp(-0.5 * ((r - radius) / width) ** 2).astype(np.float32)


def _jet(faces, inner=None):
    """What the ring channel reads of a fitted jet channel: face, inner face, the faces' mean
    power spectrum (as the jet smooths and floors it) and PatchCore's scale."""
    p = np.mean([np.abs(np.fft.rfft2(x)) ** 2 for x in faces], axis=0)
    roi = np.ones(faces[0].shape, bool)
    inner = np.zeros_like(roi) if inner is None else inner
    if not inner.any():
        inner[8:-8, 8:-8] = True
    return SimpleNamespace(roi=roi, inner=inner, psd=smooth_psd(p).astype(np.float32),
                           pc_stats=(10.0, 2.0))


@pytest.fixture(scope="module")
def fitted():
    faces = [_face(s) for s in range(24)]
    jet = _jet(faces[:16])
    return RingScan.fit(jet, faces[16:]), jet


def test_templates_are_unit_energy_rings():
    flat = np.ones((N, N // 2 + 1), np.float32)
    k = ring_templates((N, N), flat)
    rings = np.fft.irfft2(np.conj(k), s=(N, N))
    assert k.shape == (len(RADII_PX), N, N // 2 + 1) and len(WIDTHS_PX) == len(RADII_PX)
    np.testing.assert_allclose(np.sum(rings ** 2, axis=(1, 2)), 1.0, rtol=1e-5)
    # each one's crest lies at its radius from pixel (0, 0), circularly (along a row)
    for ring, radius in zip(rings, RADII_PX):
        row = np.roll(ring[0], N // 2)[N // 2:]
        assert abs(int(np.argmax(row)) - radius) <= 0.5
    # isotropic: centred (the origin at N / 2, an odd crop about it) the same after a quarter
    # turn
    c = np.fft.fftshift(rings, axes=(1, 2))[:, 1:, 1:]
    np.testing.assert_allclose(np.rot90(c, 1, (1, 2)), c, atol=1e-6)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), dy=st.integers(-20, 20), dx=st.integers(-20, 20))
def test_evidence_ignores_polarity_turns_and_moves_with_the_image(fitted, seed, dy, dx):
    rs, _ = fitted
    x = _face(seed)
    e = rs.evidence(x)
    np.testing.assert_allclose(rs.evidence(-x), e, atol=1e-4)        # dark or bright alike
    # the filters are circular: a circular shift moves the evidence with it
    np.testing.assert_allclose(rs.evidence(np.roll(x, (dy, dx), (0, 1))),
                               np.roll(e, (dy, dx), (0, 1)), atol=1e-3)
    # and isotropic: a quarter turn of the image turns the evidence (exactly only with a
    # white spectrum: a texture's own spectrum need not be isotropic)
    white = SimpleNamespace(roi=np.ones((N, N), bool), inner=np.ones((N, N), bool),
                            psd=np.ones((N, N // 2 + 1), np.float32), pc_stats=(0.0, 1.0))
    w = RingScan(white, np.ones(len(RADII_PX)), np.zeros(len(RADII_PX)),
                 np.ones(len(RADII_PX)))
    turned = w.evidence(np.ascontiguousarray(np.rot90(x)))
    np.testing.assert_allclose(np.rot90(w.evidence(x)), turned, atol=1e-3)


def test_a_faint_thin_ring_is_found_where_it_is(fitted):
    rs, jet = fitted
    goods = [rs.score_signal(_face(s))[1] for s in range(100, 130)]
    for i, (radius, sign) in enumerate([(4.3, 1.0), (5.8, -1.0), (7.2, 1.0), (11.0, -1.0)]):
        c = (40.3 + 3 * i, 51.6 - 2 * i)
        # a crest of 0.3 of the texture's spread: invisible pixel by pixel (the face's own
        # maximum is about 4 spreads); its matched filter answers at 20-46 held-back spreads
        x = _face(200 + i) + np.float32(sign * 0.3) * _ring(c, radius)
        m, v = rs.score_signal(x)
        assert v > max(goods)                                # above all 30 good faces
        y, xx = np.unravel_index(np.argmax(m), m.shape)
        # the templates sit on whole pixels: the peak within 1 px of the true centre (each
        # axis rounds by at most 0.5 px; 0.5 px seen on all four)
        assert np.hypot(xx - c[0], y - c[1]) <= 1.0
        assert np.all(m[~jet.inner] == 0) and m.dtype == np.float32
    # on PatchCore's scale the held-back parts' mean is PatchCore's
    assert rs.to_patchcore_units(np.float32(rs.stats[0])) == pytest.approx(10.0)


def _dimpled(seed: int) -> np.ndarray:
    """A face of round dimples with rims (a peened or shot-blasted face): 30 rings of radius
    4.5 px at random places, 2.5 spreads deep, on the stationary face."""
    g = np.random.default_rng(seed)
    x = _face(seed)
    for c in g.uniform(8, N - 8, (30, 2)):
        x += np.float32(2.5) * _ring(tuple(c), 4.5)
    return x


def test_the_gate_drops_the_rings_a_face_is_made_of(fitted):
    rs, jet = fitted
    # a stationary face: every ring's held-back maxima near the Gaussian's, all kept
    plain = RingScan.fit(jet, [_face(s) for s in range(40, 50)], gate=True)
    assert plain.keep.all() and np.all(plain.mu < plain.gaussian_max() + 0.4)
    # a face of rimmed dimples of 4.5 px: the rings of their size answer its own texture
    faces = [_dimpled(s) for s in range(60, 76)]
    dimpled = RingScan.fit(_jet(faces[:10]), faces[10:], gate=True)
    near = np.abs(np.array(RADII_PX) - 4.5) <= 0.5
    assert not dimpled.keep[near].any() and dimpled.keep.any()
    # the kept rings alone are scanned; a mark of a kept radius is still found
    assert len(dimpled.kernels) == int(dimpled.keep.sum())
    mark = _dimpled(90) + np.float32(1.5) * _ring((50.0, 44.0), 12.0)
    goods = [dimpled.score_signal(_dimpled(s))[1] for s in range(100, 115)]
    assert dimpled.score_signal(mark)[1] > max(goods)
    # ungated (True), every ring stays
    assert RingScan.fit(_jet(faces[:10]), faces[10:]).keep.all()


def test_fit_needs_held_back_parts(fitted):
    _, jet = fitted
    with pytest.raises(InputError, match="held-back"):
        RingScan.fit(jet, [])


# ---------------------------------------------------------------------------- in PatchCore

@pytest.fixture(scope="module")
def banks():
    goods = _good(range(300, 320))
    # the jet memory pinned off: where its gate keeps it (on by default) it wraps the bank to
    # its own version, 19 (``test_jet_memory``); these check the ring channel's alone
    kw = dict(select="off", jet_scan=True, jet_memory=False)
    return (PatchCore(ring_scan=True, **kw).fit(goods), PatchCore(**kw).fit(goods))


def test_the_bank_keeps_the_channel(banks, tmp_path):
    on, off = banks
    assert on.info["ring_scan"] == "on" and on._jet.rings is not None
    assert off.info["ring_scan"] == "off" and off._jet.rings is None
    test = _good(range(330, 333))
    back = round_trips(on, tmp_path / "r.npz", VERSION, test)
    assert back._jet.rings is not None and back._jet.rings.stats == on._jet.rings.stats
    with np.load(tmp_path / "r.npz") as z:
        meta = json.loads(z["meta"].tobytes())
    assert meta["ring_base_version"] in range(6, VERSION)
    assert meta["jet_scan"]["ring"]["radii_px"] == list(RADII_PX)
    # the channel is in the score: the same bank without it scores otherwise
    assert any(on.score(t).score != off.score(t).score for t in test)
    # a bank without it is written at its own version and without the setting
    off.save(tmp_path / "p.npz")
    version = bank_version(tmp_path / "p.npz")
    assert version != VERSION
    back = round_trips(off, tmp_path / "p.npz", version, test)
    with np.load(tmp_path / "p.npz") as z:
        assert "ring_scan" not in json.loads(z["meta"].tobytes())["settings"]
    assert back._jet.rings is None


def test_auto_gates_each_ring_on_the_good_faces():
    pc = PatchCore(select="off", jet_scan=True, ring_scan="auto").fit(_good(range(300, 320)))
    gate = pc.info["ring_scan_gate"]
    kept = np.array(gate["held_mean"]) < gate["limit"]
    assert len(gate["held_mean"]) == len(RADII_PX) and kept.any()
    assert np.array_equal(pc._jet.rings.keep, kept)
    said = pc.info["ring_scan"]
    assert said == "on" if kept.all() else said.startswith(f"on: {kept.sum()} of 14 rings")


def test_damaged_or_contradicting_headers_raise(banks, tmp_path):
    on, off = banks
    path = on.save(tmp_path / "bank.npz")
    n = len(RADII_PX)
    cases = [(lambda m: m.pop("ring_base_version"), {}, "ring_base_version"),
             (lambda m: m.update(ring_base_version=True), {}, "ring_base_version"),
             (lambda m: m.update(ring_base_version=2), {}, "ring_base_version"),
             (lambda m: m.update(version=m.pop("ring_base_version")), {}, "version 17 and only"),
             (lambda m: m["jet_scan"]["ring"].update(radii_px=[4.0]), {}, "other rings"),
             (lambda m: m["jet_scan"]["ring"].update(score_sd=-1.0), {}, "spread > 0"),
             (lambda m: m["jet_scan"]["ring"].pop("score_mean"), {}, "missing"),
             (lambda m: m["jet_scan"].update(ring=[1]), {}, "not an object"),
             (lambda m: m["settings"].update(ring_scan=False), {}, "ring_scan False"),
             (None, {"jet_ring_sd": np.zeros(n, np.float32)}, "jet_ring_sd"),
             (None, {"jet_ring_scale": np.full(n, np.nan, np.float32)}, "jet_ring_scale"),
             (None, {"jet_ring_mu": np.zeros(3, np.float32)}, "jet_ring_mu"),
             (None, {"jet_ring_keep": np.zeros(n, np.uint8)}, "jet_ring_keep"),
             (None, {"jet_ring_keep": np.full(n, 2, np.uint8)}, "jet_ring_keep")]
    _each_damage_raises(path, path.read_bytes(), cases)
    plain = off.save(tmp_path / "plain.npz")
    _each_damage_raises(plain, plain.read_bytes(),
                        [(lambda m: m["settings"].update(ring_scan=True), {}, "ring_scan True"),
                         (None, {"jet_ring_mu": np.zeros(n, np.float32)}, "without the header")])
    assert unwrap_version({"version": 12}, "t") == {"version": 12}


def test_settings_and_cli_take_the_switch(tmp_path, capsys):
    check_jet_option(tmp_path, capsys, "ring_scan", "--ring-scan", default=False)


def check_jet_option(tmp_path, capsys, key: str, flag: str, default) -> None:
    """A setting ``key`` of the jet channel's (its CLI ``flag``): ``default`` by default, an
    unknown value refused, True refused without the jet channel, in the settings and at a
    fit with too few images; the CLI takes it (shared with ``test_lay_turn``)."""
    assert getattr(PatchCoreSettings(), key) == default
    for bad in ("yes", 1, None, "on"):
        with pytest.raises(InputError, match=key):
            PatchCoreSettings(**{key: bad})
    with pytest.raises(InputError, match=f"{key}: needs the jet channel"):
        PatchCoreSettings(**{key: True, "jet_scan": False})
    # True where the fit ends without a jet channel (too few images): refused
    with pytest.raises(InputError, match=f"{key}: the jet channel needs"):
        PatchCore(select="off", **{key: True}).fit(_good(range(300, 306)))
    from metrology.cli import main

    args = check_cli_switch(tmp_path, flag, key)
    # "on" reaches the settings: six parts give no jet channel, so the fit is refused naming it
    assert main(args + [flag, "on"]) != 0
    assert key in capsys.readouterr().err
