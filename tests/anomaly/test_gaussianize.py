"""The Gaussianized face signal (``gaussianize``, ``_marginal``): the map sends the training
values to standard-normal quantiles, is monotone, follows an affine change of the levels and
continues linearly past the training extremes; the ``"auto"`` gate maps a one-sided face (dark
marks on a bright ground) and leaves a near-Gaussian one exactly as before; on the generator's
swirled face the mapped channels find faint hairlines the plain ones miss; the bank keeps the
maps (version 15 over its base version) and refuses damaged or contradicting entries; settings
and the CLI take the switch (off by default: an option since the real moon photo lost)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from metrology.anomaly import PatchCore, PatchCoreSettings, auroc
from metrology.anomaly._marginal import (JET_GATE, SKEW_GATE, TABLE_POINTS, Marginal,
                                         skewness)
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set
from tests.anomaly.test_patchcore import _each_damage_raises, bank_version, round_trips
from tests.anomaly.test_texture_energy import _good

SHAPE = (160, 160)


def _one_sided(g: np.random.Generator, n: int) -> np.ndarray:
    """Values of a face of sparse dark marks on a bright ground: mostly N(0, 1), 10 % of them
    pulled 3-12 below (skewness about -2.5)."""
    v = g.normal(size=n)
    marks = g.random(n) < 0.1
    v[marks] -= g.uniform(3, 12, int(marks.sum()))
    return v


def test_training_values_map_to_standard_normal_quantiles():
    v = _one_sided(np.random.default_rng(0), 200_000)
    assert skewness(v) < -2 and skewness(v) == pytest.approx(stats.skew(v), rel=1e-9)
    m = Marginal.fit(v)
    assert len(m.q) <= TABLE_POINTS
    z = m(v.astype(np.float32), np.ones(len(v), bool))
    # the mapped sample is normal to the table's resolution (4001 points over 200 k values)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01 and abs(stats.skew(z)) < 0.02
    assert np.quantile(z, 0.001) == pytest.approx(-3.09, abs=0.05)
    assert np.quantile(z, 0.999) == pytest.approx(3.09, abs=0.05)


def test_the_map_continues_past_the_extremes_and_zeroes_off_the_face():
    m = Marginal.fit(np.random.default_rng(1).normal(size=10_000))
    x = np.array([m.q[0] - 2, m.q[0], m.q[-1], m.q[-1] + 2, 0.0], np.float32)
    z = m(x, np.array([True, True, True, True, False]))
    # beyond the ends at the slope 1 / sd: what no training face reached keeps rising
    assert z[3] - z[2] == pytest.approx(2 / m.sd, rel=1e-5)
    assert z[0] - z[1] == pytest.approx(-2 / m.sd, rel=1e-5)
    assert z[4] == 0.0 and z.dtype == np.float32


def test_a_face_with_a_plateau_maps_its_level_to_one_value():
    # half the values on one level (a polished plateau): the table keeps one point for it
    v = np.r_[np.zeros(5000), np.random.default_rng(2).normal(-3, 1, 5000)]
    m = Marginal.fit(v)
    assert np.all(np.diff(m.q) > 0) and np.all(np.diff(m.z) > 0)
    z0 = m(np.zeros(3, np.float32), np.ones(3, bool))
    assert np.all(z0 == z0[0]) and np.isfinite(z0).all()


@given(st.integers(0, 2**31), st.floats(0.01, 100), st.floats(-50, 50))
def test_the_map_is_monotone_and_follows_an_affine_change_of_levels(seed, a, b):
    g = np.random.default_rng(seed)
    v = _one_sided(g, 3000)
    x = np.sort(g.normal(0, 4, 200)).astype(np.float64)
    face = np.ones(len(x), bool)
    m, ma = Marginal.fit(v), Marginal.fit(a * v + b)
    z, za = m(x.astype(np.float32), face), ma((a * x + b).astype(np.float32), face)
    assert np.all(np.diff(z) >= 0)
    # the same faces under another gain and offset map to the same quantiles
    assert np.allclose(z, za, atol=2e-3 * (1 + np.abs(z)))


@pytest.mark.parametrize("values", [np.zeros(10), np.ones(1)])
def test_degenerate_training_values_give_a_finite_map(values):
    m = Marginal.fit(values)
    z = m(np.array([-1.0, 0.0, 2.0], np.float32), np.ones(3, bool))
    assert np.isfinite(z).all() and np.all(np.diff(z) >= 0)
    back = Marginal.from_array(m.array(), m.sd, "t")   # a bank keeps it as it is
    assert np.array_equal(back(np.float32([0.5]), np.ones(1, bool)),
                          m(np.float32([0.5]), np.ones(1, bool)))


@pytest.mark.parametrize("array, sd, msg", [
    (np.zeros((3, 5)), 1.0, "2, 1"), (np.array([[0, 1.0], [1, 0.0]]), 1.0, "increasing"),
    (np.array([[0, np.nan], [0, 1.0]]), 1.0, "finite"), (np.zeros((2, 0)), 1.0, "2, 1"),
    (np.array([[0, 1.0], [0, 1.0]]), 0.0, "positive"), (np.array([[0, 1.0], [0, 1.0]]), None,
                                                         "positive"),
    (np.array([[0, 1.0], [0, 1.0]]), True, "positive"), (np.array([[0, 1], [0, 1]]), 1.0,
                                                         "finite")])
def test_a_damaged_table_raises(array, sd, msg):
    with pytest.raises(FileFormatError, match=msg):
        Marginal.from_array(array, sd, "t")


# ---------------------------------------------------------------------------- in PatchCore

@pytest.fixture(scope="module")
def swirled():
    """The generator's swirled face (sparse dark sanding arcs on a bright ground, the
    one-sided face of held-out 14), 160 x 160: 45 training parts, then 16 good and 12 with a
    hairline."""
    kw = dict(layout="terminal", texture="swirled", shape=SHAPE)
    train = [s.image for s in make_defect_set(45, (), 0, seed=11, **kw)]
    test = make_defect_set(16, ("hairline",), 12, seed=12, **kw)
    return train, test


#: the swirled banks' pins: the local RMS's division (an option) and the jet memory off
PINS = {"local_rms": False, "jet_memory": False}


@pytest.fixture(scope="module")
def swirled_banks(swirled):
    train, _ = swirled
    # the jet memory pinned off in the swirled banks: where its gate keeps it (on by default,
    # as here) it wraps the bank to its own version, 19 (``test_jet_memory``), and its summed
    # score moves the hairline AUROCs below; these check the maps' alone
    return (PatchCore(select="off", gaussianize="auto", **PINS).fit(train),
            PatchCore(select="off", gaussianize=False, **PINS).fit(train))


@pytest.fixture(scope="module")
def swirled_line(swirled):
    """``gaussianize="line"`` on the swirled training parts: the map on the line channel only."""
    return PatchCore(select="off", gaussianize="line", **PINS).fit(swirled[0])


def test_auto_maps_a_one_sided_face_and_finds_hairlines_the_plain_signal_misses(
        swirled, swirled_banks):
    _, test = swirled
    on, off = swirled_banks
    assert on.info["gaussianize"].startswith("on: skewness -2.")
    assert off.info["gaussianize"] == "off" and off._line.gauss is None
    assert on._line.gauss is not None and on._jet.gauss is not None
    kinds = np.array([s.kind for s in test])

    def hairline_auroc(pc):
        sc = np.array([pc.score(s.image).score for s in test])
        return auroc(sc[kinds == "good"], sc[kinds == "hairline"])

    # measured 0.86 against 0.76 on these seeds (on two other pairs of seeds +0.17 and
    # +0.35; the 18 development sets: held-out 14's hairlines 0.53 -> 0.89, the set 0.65 ->
    # 0.80): 16 good and 12 hairlines resolve an AUROC to about 0.05, so +0.05 is the least
    # gain that is not the draw
    a_on, a_off = hairline_auroc(on), hairline_auroc(off)
    assert a_on >= a_off + 0.05, (a_on, a_off)


def test_line_maps_only_the_line_channel_and_finds_the_hairlines_too(
        swirled, swirled_banks, swirled_line):
    _, test = swirled
    on, off = swirled_banks
    line = swirled_line
    assert line.info["gaussianize"].startswith("on (line channel only): skewness -2.")
    assert line._line.gauss is not None and line._jet.gauss is None
    # the line channel's map is the one "auto" fits (the same training faces)
    assert np.array_equal(line._line.gauss.q, on._line.gauss.q)
    kinds = np.array([s.kind for s in test])
    sc = {k: np.array([pc._line.score(s.image.astype(np.float32))[1] for s in test])
          for k, pc in (("line", line), ("off", off))}
    a_line, a_off = (auroc(v[kinds == "good"], v[kinds == "hairline"]) for v in sc.values())
    # the line channel's own score on the hairlines: measured 0.818 with its map against
    # 0.672 without (the least gain that is not the draw as above).  The fused image score
    # moved 0.755 -> 0.734 on these seeds (within the draw): "auto"'s gain on this set
    # (0.865) is mostly the jet channel's map
    assert a_line >= a_off + 0.05, (a_line, a_off)


def test_auto_leaves_a_near_gaussian_face_exactly_as_before():
    imgs = _good(range(300, 340))
    auto = PatchCore(select="off", gaussianize="auto").fit(imgs)
    line = PatchCore(select="off", gaussianize="line").fit(imgs)
    tiered = PatchCore(select="off").fit(imgs)
    plain = PatchCore(select="off", gaussianize=False).fit(imgs)
    assert tiered._jet.own
    for pc in (auto, line, tiered):
        skew = float(pc.info["gaussianize"].split("skewness ")[1].split(" ")[0])
        assert pc.info["gaussianize"].startswith("off: skewness") and abs(skew) < SKEW_GATE
        assert pc._line.gauss is None and pc._jet.gauss is None
    for img in _good(range(900, 903)):
        a, b, t, c = auto.score(img), line.score(img), tiered.score(img), plain.score(img)
        assert a.score == b.score == t.score == c.score
        assert all(np.array_equal(r.map, c.map) for r in (a, b, t))


def test_true_maps_a_near_gaussian_face_too():
    pc = PatchCore(select="off", gaussianize=True).fit(_good(range(300, 340)))
    assert pc.info["gaussianize"].startswith("on: skewness") and "|skewness|" not in \
        pc.info["gaussianize"]
    assert pc._line.gauss is not None and pc._jet.gauss is not None


def test_the_bank_keeps_the_maps(swirled, swirled_banks, tmp_path):
    on, off = swirled_banks
    imgs = [s.image for s in swirled[1][:3]]
    back = round_trips(on, tmp_path / "g.npz", 15, imgs)
    assert np.array_equal(back._line.gauss.q, on._line.gauss.q)
    assert back._jet.gauss.sd == on._jet.gauss.sd
    with np.load(tmp_path / "g.npz") as z:
        assert json.loads(z["meta"].tobytes())["base_version"] in (10, 11, 12, 13, 14)
    # a bank without the maps is written at its own version, as before
    off.save(tmp_path / "p.npz")
    assert bank_version(tmp_path / "p.npz") != 15


def test_a_line_only_bank_keeps_its_one_map(swirled, swirled_banks, swirled_line, tmp_path):
    imgs = [s.image for s in swirled[1][:3]]
    back = round_trips(swirled_line, tmp_path / "l.npz", 15, imgs)
    assert back.settings.gaussianize == "line" and back._jet.gauss is None
    assert np.array_equal(back._line.gauss.z, swirled_line._line.gauss.z)
    path = tmp_path / "l.npz"
    # the jet's map in a line-only bank, or a line-only bank's setting on a bank with both
    # maps: each contradicts the header
    _each_damage_raises(path, path.read_bytes(),
                        [(None, {"jet_gauss": swirled_banks[0]._jet.gauss.array()},
                          "gaussianize other than 'line'")])
    both = swirled_banks[0].save(tmp_path / "b.npz")
    _each_damage_raises(both, both.read_bytes(),
                        [(lambda m: m["settings"].update(gaussianize="line"), {},
                          "gaussianize other than 'line'")])


def test_damaged_or_contradicting_entries_raise(swirled_banks, tmp_path):
    on, off = swirled_banks
    path = on.save(tmp_path / "bank.npz")
    good = path.read_bytes()
    bad_table = np.array([[0, 1.0], [1, 0.0]], np.float32)
    cases = [(None, {"line_gauss": None}, "version-15"),
             (None, {"jet_gauss": None}, "version-15"),
             (lambda m: m.update(base_version=9), {}, "base_version"),
             (lambda m: m.update(base_version=True), {}, "base_version"),
             (lambda m: m.pop("base_version"), {}, "base_version"),
             (lambda m: m.update(version=m["base_version"]), {}, "version 15 and only"),
             (None, {"line_gauss": bad_table}, "line_gauss"),
             (None, {"jet_gauss": np.zeros((2, 3), np.float32)}, "jet_gauss"),
             (lambda m: m["line_scan"].pop("gauss_sd"), {}, "line_gauss.*spread"),
             (lambda m: m["jet_scan"].update(gauss_sd=-1.0), {}, "jet_gauss.*spread")]
    _each_damage_raises(path, good, cases)
    plain = off.save(tmp_path / "plain.npz")
    _each_damage_raises(plain, plain.read_bytes(),
                        [(None, {"line_gauss": on._line.gauss.array()}, "version 15 and only")])


def test_settings_and_cli_take_the_switch(tmp_path):
    # the tiered map is the default (rule 56)
    assert PatchCoreSettings().gaussianize == "tiered"
    assert PatchCoreSettings(gaussianize="tiered", line_scan=False).gaussianize == "tiered"
    assert PatchCoreSettings(gaussianize="line", line_scan=False).gaussianize == "line"
    for bad in ("yes", 1, None, "jet", "Tiered"):
        with pytest.raises(InputError, match="gaussianize"):
            PatchCoreSettings(gaussianize=bad)
    with pytest.raises(InputError, match="gaussianize: .*line channel"):
        PatchCoreSettings(gaussianize=True, line_scan=False)
    # True where the fit ends without a line channel (too few images to hold back): refused
    with pytest.raises(InputError, match="gaussianize: needs the line channel"):
        PatchCore(select="off", gaussianize=True).fit(_good(range(300, 304)))
    from metrology.cli import main

    import cv2
    paths = []
    for i, img in enumerate(_good(range(300, 310))):
        paths.append(str(tmp_path / f"g{i}.png"))
        cv2.imwrite(paths[-1], img)
    out = tmp_path / "b.npz"
    assert main(["anomaly", "fit", *paths, "-o", str(out), "--select", "off",
                 "--gaussianize", "on"]) == 0
    assert PatchCore.load(out).settings.gaussianize is True and bank_version(out) == 15
    # the modes belong to --gaussianize only (an edit once offered them to --line-scan)
    assert main(["anomaly", "fit", *paths, "-o", str(out), "--line-scan", "tiered"]) == 2
    assert main(["anomaly", "fit", *paths, "-o", str(out), "--select", "off",
                 "--gaussianize", "line"]) == 0
    # a near-Gaussian face: the gate leaves it off, and the bank is written as before
    assert bank_version(out) != 15 and PatchCore.load(out).info["gaussianize"].startswith(
        "off: skewness")


# ------------------------------------------------------------------------------- tiered

@pytest.fixture(scope="module")
def swirled_tiered(swirled):
    """The default, ``"tiered"``, on the swirled face (|skewness| about 2.6, past the jet's
    gate): both channels mapped, the jet without its own-covariance statistics (the jet
    memory pinned off, as in ``swirled_banks``)."""
    return PatchCore(select="off", **PINS).fit(swirled[0])


def test_tiered_maps_the_jet_on_the_most_one_sided_faces_without_its_own_statistics(
        swirled, swirled_banks, swirled_tiered):
    _, test = swirled
    auto, off = swirled_banks
    pc = swirled_tiered
    assert pc.info["gaussianize"].startswith(
        f"on (line channel; jet channel, |skewness| >= {JET_GATE}): skewness -2.")
    assert pc._line.gauss is not None and pc._jet.gauss is not None and not pc._jet.own
    assert auto._jet.own and off._jet.own
    # the same maps as "auto" (the same training faces)
    assert np.array_equal(pc._jet.gauss.q, auto._jet.gauss.q)
    # only the trained-whitening statistics (even) are scanned; the others' slots neutral
    x = pc._jet.signal(test[0].image.astype(np.float32))
    assert {i % 2 for i, _, _ in pc._jet.statistics(x)} == {0}
    assert np.all(pc._jet.mu[1::2] == 0) and np.all(pc._jet.sd[1::2] == 1)
    kinds = np.array([s.kind for s in test])
    sc = {k: np.array([b.score(s.image).score for s in test]) for k, b in
          (("tiered", pc), ("off", off))}
    a_t, a_off = (auroc(v[kinds == "good"], v[kinds == "hairline"]) for v in sc.values())
    # measured 0.89 against 0.76 (the least gain that is not the draw, as above)
    assert a_t >= a_off + 0.05, (a_t, a_off)


def test_tiered_maps_only_the_line_on_a_moderately_skewed_face():
    """Held-out 16's treadplate (|skewness| about 1.0): between the two gates."""
    kw = dict(layout="hinge", texture="treadplate", shape=SHAPE)
    train = [s.image for s in make_defect_set(40, (), 0, seed=21, **kw)]
    pc = PatchCore(select="off").fit(train)
    line = PatchCore(select="off", gaussianize="line").fit(train)
    skew = float(pc.info["gaussianize"].split("skewness ")[1].split(" ")[0])
    assert SKEW_GATE <= abs(skew) < JET_GATE, pc.info["gaussianize"]
    assert pc.info["gaussianize"].startswith("on (line channel only)")
    assert pc._jet.gauss is None and pc._jet.own
    for s in make_defect_set(3, (), 0, seed=22, **kw):
        a, b = pc.score(s.image), line.score(s.image)
        assert a.score == b.score and np.array_equal(a.map, b.map)


def test_a_tiered_bank_keeps_the_jet_without_its_own_statistics(swirled, swirled_banks,
                                                                  swirled_tiered, tmp_path):
    imgs = [s.image for s in swirled[1][:3]]
    back = round_trips(swirled_tiered, tmp_path / "t.npz", 15, imgs)
    assert back.settings.gaussianize == "tiered" and not back._jet.own
    path = tmp_path / "t.npz"
    good = path.read_bytes()
    _each_damage_raises(path, good, [
        (lambda m: m["jet_scan"].update(own_stats="no"), {}, "own_stats"),
        (lambda m: m["jet_scan"].update(own_stats=True), {}, "own_stats"),
        (None, {"jet_gauss": None}, "own_stats")])   # own statistics off on a plain signal
    # a bank without the jet's own statistics whose setting says they are on
    both = swirled_banks[0].save(tmp_path / "a.npz")
    _each_damage_raises(both, both.read_bytes(), [
        (lambda m: m["jet_scan"].update(own_stats=False), {}, "own_stats")])


@pytest.mark.parametrize("mode", ["tiered", "auto"])
def test_a_fit_without_a_jet_channel_does_not_claim_the_jets_map(swirled, mode):
    """12 parts: the jet channel is off ('auto' needs 40), so the fit maps the line only and
    says so (it once said "jet channel" there)."""
    pc = PatchCore(select="off", gaussianize=mode, local_rms=False).fit(swirled[0][:12])
    assert pc._jet is None and pc._line.gauss is not None and pc._line.jet_gauss is None
    assert pc.info["gaussianize"].startswith("on (line channel only: no jet channel): skewness")
