"""Channel weights learned at fit from painted defects (``PatchCoreSettings.channel_weights``):
learned and used, deterministic, round-trip through save / load, unweighted banks (and banks
written before the field) load unweighted, a bank with the weights is refused by settings that
do not know the field, and bad values raise.

Data: 128 x 128 rendered parts; the selection off so the file stays fast (the weights are
learned in the final fit whatever ``select`` says).  Whether the weights help is measured by
the benchmark (docs/anomaly.md, *Held-out 8*), not here.
"""

import json
import zipfile

import numpy as np
import pytest

from metrology.anomaly import PatchCore, PatchCoreSettings
from metrology.errors import FileFormatError, InputError
from metrology.synth.defects import make_defect_set

KW = dict(shape=(128, 128), layout="plate", texture="brushed", placement_px=3.0,
          placement_deg=2.0, lighting=0.1)


@pytest.fixture(scope="module")
def parts():
    train = [s.image for s in make_defect_set(16, (), 0, seed=90, **KW)]
    test = [s.image for s in make_defect_set(1, ("scratch",), 1, seed=91, **KW)]
    return train, test


@pytest.fixture(scope="module")
def weighted(parts):
    return PatchCore(select="off", channel_weights="painted").fit(parts[0])


def test_weights_learned_and_used(parts, weighted):
    w = weighted._weight
    assert w is not None and w.shape == (weighted.bank.shape[1],) and np.all(w > 0)
    assert abs(float(np.mean(w ** 2)) - 1.0) < 1e-4 and w.std() > 0  # mean square 1, not flat
    info = weighted.info["channel_weights"]
    assert info["painted"] > 0 and info["held_good"] == 4
    again = PatchCore(select="off", channel_weights="painted").fit(parts[0])
    assert np.array_equal(again._weight, w)  # deterministic (the settings' seed)
    plain = PatchCore(select="off").fit(parts[0])
    assert plain._weight is None and plain.info["channel_weights"] == "off"
    assert weighted.score(parts[1][0]).score != plain.score(parts[1][0]).score


def test_too_few_images_fit_unweighted(parts):
    pc = PatchCore(select="off", channel_weights="painted").fit(parts[0][:10])
    assert pc._weight is None and pc.info["channel_weights"].startswith("off: needs")


def test_round_trip(parts, weighted, tmp_path):
    path = weighted.save(tmp_path / "w.npz")
    back = PatchCore.load(path)
    assert back.settings.channel_weights == "painted"
    assert np.array_equal(back._weight, weighted._weight)
    for im in parts[1] + parts[0][:2]:
        a, b = weighted.score(im), back.score(im)
        assert a.score == b.score and np.array_equal(a.map, b.map)


def _meta(path):
    with zipfile.ZipFile(path) as z, z.open("meta.npy") as f:
        return json.loads(np.lib.format.read_array(f).tobytes().decode("utf-8"))


def test_unweighted_bank_does_not_write_the_field_and_old_banks_load(parts, tmp_path):
    plain = PatchCore(select="off").fit(parts[0])
    path = plain.save(tmp_path / "p.npz")
    assert "channel_weights" not in _meta(path)["settings"]  # as banks written before it
    with np.load(path) as z:
        assert "channel_weight" not in z.files
    back = PatchCore.load(path)
    assert back._weight is None and back.settings.channel_weights == "off"
    assert back.score(parts[1][0]).score == plain.score(parts[1][0]).score
    # a weighted bank's header names the field: a reader that predates it refuses the bank
    assert _meta(PatchCore(select="off", channel_weights="painted").fit(parts[0]).save(
        tmp_path / "w.npz"))["settings"]["channel_weights"] == "painted"


def test_damaged_weights_raise(weighted, tmp_path):
    path = weighted.save(tmp_path / "w.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["channel_weight"] = -arrays["channel_weight"]
    bad = tmp_path / "bad.npz"
    np.savez(bad, **arrays)
    with pytest.raises(FileFormatError, match="channel_weight"):
        PatchCore.load(bad)


@pytest.mark.parametrize("value", ["on", True, None, 1, "Painted"])
def test_bad_value_raises(value):
    with pytest.raises(InputError, match="channel_weights"):
        PatchCoreSettings(channel_weights=value)
    with pytest.raises(InputError, match="channel_weights"):
        PatchCore(channel_weights=value)
