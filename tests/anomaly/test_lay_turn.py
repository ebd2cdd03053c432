"""The jet channel whitened by the training spectrum turned to each part's lay (``lay_turn``,
``_lay_turn``): a direction profile reads a lay's angle whatever the contrast, a turned
spectrum's profile moves by the turn, and a face whose lay every part shares gives back its
mean spectrum; on faces whose lay turns from part to part the step finds and locates faint
dents that the trained whitening alone leaves at chance; ``"auto"`` turns it on for such faces
and off for a lay that every part shares; a bank keeps it (version 18) and refuses damaged or
contradicting headers; the settings and the CLI take the switch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrology.anomaly import PatchCore, auroc
from metrology.anomaly._jet_scan import JetScan
from metrology.anomaly._bank_version import unwrap_version
from metrology.anomaly._lay_turn import (GATE, N_DIRECTIONS, N_PROFILE, VERSION, LayMeter,
                                         align, canonical, full_plane, params, profile, turned)
from metrology.errors import InputError
from tests.anomaly.test_jet_scan import N, _dent, _texture
from tests.anomaly.test_patchcore import _each_damage_raises, bank_version, round_trips
from tests.anomaly.test_ring_scan import check_jet_option
from tests.anomaly.test_texture_energy import _good


def _power(x: np.ndarray) -> np.ndarray:
    return np.abs(np.fft.rfft2(x - x.mean())) ** 2


def _turn_error(a: float, b: float) -> float:
    """The difference of two angles of a lay (degrees, modulo 180)."""
    return abs((a - b + 90.0) % 180.0 - 90.0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 180.0), st.floats(0.0, 180.0),
       st.floats(0.05, 20.0))
def test_profiles_read_the_turn_between_two_lays(seed, a, b, gain):
    g = np.random.default_rng(seed)
    pa = _power(_texture(g, lay=np.radians(a)))
    pb = _power(_texture(g, lay=np.radians(b)))
    ref = profile(pa, (N, N))
    # a contrast gain does not move a profile
    np.testing.assert_allclose(profile(gain ** 2 * pb, (N, N)), profile(pb, (N, N)),
                               atol=1e-6)
    # measured over 40 draws of two lays: median 0.73 degrees, 95 % under 2.0, the largest
    # 2.6 (the profile's bins are 1 degree, smoothed over 7; each face's streaks are its own
    # noise)
    assert _turn_error(align(profile(pb, (N, N)), ref), b - a) < 4.0
    assert profile(pa, (N, N)).shape == (N_PROFILE,)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(-89.0, 89.0), st.sampled_from((N, N - 1)))
def test_a_turned_spectrum_moves_its_profile_by_the_turn(seed, d, n):
    g = np.random.default_rng(seed)
    p = _power(_texture(g)[:n, :n])
    full = full_plane(p.astype(np.float32), n)
    # the full plane is the half plane's Hermitian completion, centred (odd sizes too)
    np.testing.assert_array_equal(np.fft.ifftshift(full)[:, :n // 2 + 1], p.astype(np.float32))
    back = np.fft.ifftshift(turned(full, d))[:, :n // 2 + 1]
    # measured over 12 faces, both sizes and turns of 1-80 degrees: median 0.38 degrees, the
    # largest 1.7 at turns of 1-2 degrees (the grid's own pattern of directions, which does
    # not turn, pulls a small turn towards none); turned about the zero frequency on odd
    # sizes too
    assert _turn_error(align(profile(back, (n, n)), profile(p, (n, n))), d) < 2.5


def test_a_shared_lay_gives_back_its_mean_spectrum():
    g = np.random.default_rng(5)
    powers = [_power(_texture(g, lay=0.4)).astype(np.float32) for _ in range(24)]
    ref, canon = canonical([profile(p, (N, N)) for p in powers], iter(powers), (N, N))
    mean = full_plane(np.mean(powers, axis=0).astype(np.float32), N)
    assert ref.shape == (N_PROFILE,) and abs(ref.mean()) < 1e-9
    # every part's lay is the reference's: the turns are under a degree and the canonical
    # spectrum is the mean one (measured: 97 % of its energy-weighted values within 10 %)
    assert max(_turn_error(align(profile(p, (N, N)), ref), 0.0) for p in powers) < 1.5
    rel = np.abs(canon - mean) / mean
    assert np.sum(mean * (rel < 0.15)) / np.sum(mean) > 0.9


def _lay_spread(faces) -> float:
    m = LayMeter()
    for x in faces:
        m.add(np.abs(np.fft.rfft2(x)) ** 2, x.shape)
    return m.spread()


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 10.0), st.integers(0, 3))
def test_lay_spread_reads_turning_only(seed, gain, quarter_turns):
    g = np.random.default_rng(seed)
    shared = [_texture(g, lay=0.3) - 128.0 for _ in range(12)]
    turning = [_texture(g) - 128.0 for _ in range(12)]
    s_shared, s_turning = _lay_spread(shared), _lay_spread(turning)
    # measured on seeds 0-3: 0.057-0.062 for a lay every part shares (a streak so narrow
    # that most directions hold only sensor noise), 3.7-4.0 for one that turns
    assert s_shared < GATE / 2 < 4 * GATE < s_turning
    # a contrast gain on every face, and the faces turned by a right angle together, change
    # nothing (the shares per direction move together)
    assert _lay_spread([gain * x for x in shared]) == pytest.approx(s_shared, rel=1e-6)
    assert _lay_spread([np.rot90(x, quarter_turns) for x in shared]) == \
        pytest.approx(s_shared, rel=0.02, abs=1e-3)
    # as many directions as the constant says; flat faces and a single face give 0
    assert LayMeter().spread() == _lay_spread(shared[:1]) == _lay_spread(
        [np.zeros((N, N))] * 3) == 0.0
    assert N_DIRECTIONS == 36


@pytest.fixture(scope="module")
def turning():
    """Jet channels fitted on 40 faces whose lay turns from part to part (test_jet_scan's),
    whitened only as trained (the statistics' own covariance off, as on a Gaussianized face)
    and turned to each part's lay; 20 good faces, 20 with a dent of 6 gray levels (one
    texture spread)."""
    g = np.random.default_rng(0)
    train = [_texture(g) for _ in range(40)]
    held, roi = np.arange(40) % 5 == 4, np.ones((N, N), bool)
    fits = {osp: JetScan.fit(train, held, roi, own=False, lay_turn=osp)
            for osp in (False, "auto")}
    goods = [_texture(g) for _ in range(20)]
    dents = [_dent(g, _texture(g), 6.0) for _ in range(20)]
    return fits, goods, dents


def test_faint_dents_on_a_turning_lay_are_found_with_the_lay_turn(turning):
    fits, goods, dents = turning
    assert fits["auto"].lay_info.startswith("on: lay spread")
    assert fits["auto"].lay_turns is not None and fits[False].lay_turns is None
    got = {}
    for osp, js in fits.items():
        sg = [js.score(x)[1] for x in goods]
        res = [js.score(d) for d, _ in dents]
        hits = 0
        for (m, _), (_, c) in zip(res, dents):
            y, x = np.unravel_index(np.argmax(m), m.shape)
            hits += np.hypot(x - c[0], y - c[1]) <= 6  # a dent's radius is 6-10 px
        got[osp] = auroc(sg, [v for _, v in res]), hits
    # measured on this draw: AUROC 0.983 and the map's peak on the dent in 19 of 20 with the
    # step, 0.57 and 0 of 20 without (the averaged lays look like marks on every part); on
    # the draws of seeds 1 and 2: 1.000 / 0.995 and 20 / 19 with it, 0.44 / 0.66 and 0 / 2
    # without.  (Whitening by each part's own periodogram, rule 59, gave 0.83 / 0.89 / 0.77.)
    assert got["auto"][0] >= 0.95 and got["auto"][1] >= 17
    assert got[False][0] <= 0.7 and got[False][1] <= 3


def test_auto_turns_it_on_only_where_the_lay_turns(turning):
    fits, _, _ = turning
    g = np.random.default_rng(1)
    shared = [_texture(g, lay=0.3) for _ in range(40)]
    js = JetScan.fit(shared, np.arange(40) % 5 == 4, np.ones((N, N), bool),
                     lay_turn="auto")
    # measured for a lay every part shares and for one that turns: see
    # test_lay_spread_reads_turning_only
    assert js.lay_info.startswith("off: lay spread") and js.lay_turns is None
    assert float(js.lay_info.split()[3]) < GATE / 2
    assert float(fits["auto"].lay_info.split()[3]) > 2 * GATE
    forced = JetScan.fit(shared, np.arange(40) % 5 == 4, np.ones((N, N), bool),
                         lay_turn=True)
    assert forced.lay_info.startswith("on: lay spread")
    assert all(lv.turn is not None for lv in forced.levels) and len(forced.levels) == 2


def test_flat_faces_have_no_lay_to_turn():
    # faces without texture: "auto" leaves the step off, True refuses with the library's
    # error (a bank of such a fit once saved a canonical spectrum of zeros, which its own
    # loader then refused)
    flat = [np.full((96, 96), 120.0, np.float32) for _ in range(20)]
    held, roi = np.arange(20) % 5 == 4, np.ones((96, 96), bool)
    js = JetScan.fit(flat, held, roi, lay_turn="auto")
    assert js.lay_turns is None and js.lay_info == "off: 0 good faces with texture (needs 2)"
    with pytest.raises(InputError, match="lay_turn: needs at least 2 good faces with texture"):
        JetScan.fit(flat, held, roi, lay_turn=True)
    with pytest.raises(InputError, match="lay_turn"):
        PatchCore(select="off", jet_scan=True, lay_turn=True).fit(
            [np.full((96, 96), 120, np.uint8)] * 20)


def test_align_takes_a_stack_of_profiles_at_once():
    g = np.random.default_rng(2)
    stack, ref = g.normal(size=(12, N_PROFILE)), g.normal(size=N_PROFILE)
    one_by_one = [align(p, ref) for p in stack]
    assert all(isinstance(a, float) and -90.0 <= a < 90.0 for a in one_by_one)
    np.testing.assert_array_equal(align(stack, ref), one_by_one)
    # a profile moved by whole degrees is found moved by them
    assert align(np.roll(ref, 17), ref) == pytest.approx(17.0, abs=1e-9)


# ---------------------------------------------------------------------------- in PatchCore

@pytest.fixture(scope="module")
def banks():
    goods = _good(range(300, 320))
    # the default ("auto") on these brushed faces, whose lay every part shares: off; the jet
    # memory pinned off: where its gate keeps it (on by default) it wraps the bank to its own
    # version, 19 (``test_jet_memory``); these check the lay turn's alone
    kw = dict(select="off", jet_scan=True, jet_memory=False)
    return (PatchCore(lay_turn=True, **kw).fit(goods), PatchCore(**kw).fit(goods))


def test_the_bank_keeps_the_step(banks, tmp_path):
    on, off = banks
    assert on.info["lay_turn"].startswith("on") and on._jet.lay_turns is not None
    assert off.info["lay_turn"].startswith("off: lay spread") and off._jet.lay_turns is None
    test = _good(range(330, 333))
    back = round_trips(on, tmp_path / "o.npz", VERSION, test)
    for a, b in zip(on._jet.lay_turns, back._jet.lay_turns):
        assert np.array_equal(a.canon, b.canon) and np.array_equal(a.ref, b.ref)
    with np.load(tmp_path / "o.npz") as z:
        meta = json.loads(z["meta"].tobytes())
    assert meta["lay_base_version"] in range(6, VERSION)
    assert meta["jet_scan"]["lay_turn"] == params()
    # the step is in the score: the same bank without it scores otherwise
    assert any(on.score(t).score != off.score(t).score for t in test)
    # a bank without it is written at its own version and without the setting
    off.save(tmp_path / "p.npz")
    version = bank_version(tmp_path / "p.npz")
    assert version != VERSION
    back = round_trips(off, tmp_path / "p.npz", version, test)
    with np.load(tmp_path / "p.npz") as z:
        assert "lay_turn" not in json.loads(z["meta"].tobytes())["settings"]
        assert not any(k.startswith("jet_lay_") for k in z.files)
    assert back._jet.lay_turns is None


def test_damaged_or_contradicting_headers_raise(banks, tmp_path):
    on, off = banks
    path = on.save(tmp_path / "bank.npz")
    shape = on._jet.roi.shape
    cases = [(lambda m: m.pop("lay_base_version"), {}, "lay_base_version"),
             (lambda m: m.update(lay_base_version=True), {}, "lay_base_version"),
             (lambda m: m.update(lay_base_version=VERSION), {}, "lay_base_version"),
             (lambda m: m.update(version=m.pop("lay_base_version")), {},
              f"version {VERSION} and only"),
             (lambda m: m["jet_scan"]["lay_turn"].update(profile_bins=90), {},
              "other constants"),
             (lambda m: m["jet_scan"].update(lay_turn=[1]), {}, "other constants"),
             (lambda m: m["jet_scan"].pop("lay_turn"), {}, "lay_turn True"),
             (lambda m: (m["jet_scan"].pop("lay_turn"),
                         m["settings"].update(lay_turn="auto")), {}, "says 'lay_turn'"),
             (lambda m: m["settings"].update(lay_turn=False), {}, "lay_turn False"),
             (None, {"jet_lay_ref": None}, "jet_lay_ref"),
             (None, {"jet_lay_canon_half": None}, "jet_lay_canon_half"),
             (None, {"jet_lay_ref": np.zeros((2, 90), np.float32)}, "jet_lay_ref"),
             (None, {"jet_lay_ref": np.full((2, N_PROFILE), np.nan, np.float32)},
              "jet_lay_ref"),
             (None, {"jet_lay_canon": np.zeros((4, 4), np.float32)}, "jet_lay_canon"),
             (None, {"jet_lay_canon": np.full(shape, -1.0, np.float32)}, "jet_lay_canon"),
             (None, {"jet_lay_canon": np.zeros(shape, np.float32)}, "jet_lay_canon")]
    _each_damage_raises(path, path.read_bytes(), cases)
    plain = off.save(tmp_path / "plain.npz")
    _each_damage_raises(plain, plain.read_bytes(),
                        [(lambda m: m["settings"].update(lay_turn=True), {},
                          "lay_turn True"),
                         (lambda m: m["jet_scan"].update(lay_turn=params()), {},
                          f"version {VERSION} and only"),
                         (None, {"jet_lay_ref": np.zeros((2, N_PROFILE), np.float32)},
                          "without the header")])
    assert unwrap_version({"version": 12}, "t") == {"version": 12}


def test_settings_and_cli_take_the_switch(tmp_path, capsys):
    check_jet_option(tmp_path, capsys, "lay_turn", "--lay-turn", default="auto")
