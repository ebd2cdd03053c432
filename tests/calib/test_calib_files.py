"""Station files across versions of the code, and NaN carried as null (issue 11).

``data/station_v1_4views.json`` was written by the code before the calibration module was split
into stages (commit 1eab668, 4 committed views); ``examples/plate/station.json`` is the committed
example station. Both must keep loading to the same numbers.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from metrology.calib import Calibration, Checkerboard, ProjectionUncertainty, calibrate
from metrology.errors import FileFormatError

ROOT = Path(__file__).resolve().parents[2]
OLD_FILES = [Path(__file__).parent / "data" / "station_v1_4views.json",
             ROOT / "examples" / "plate" / "station.json"]


@pytest.mark.parametrize("path", OLD_FILES, ids=lambda p: p.name)
def test_old_station_files_load_to_their_numbers(path, tmp_path):
    doc = json.loads(path.read_text())
    cal = Calibration.load(path)
    assert np.array_equal(cal.camera.K, np.array(doc["camera"]["K"]))
    assert np.array_equal(cal.camera.dist, np.array(doc["camera"]["dist"]))
    assert cal.rms_px == doc["quality"]["rms_px"]
    assert cal.holdout_rms_px == doc["quality"]["holdout_rms_px"]
    u = doc["quality"]["uncertainty"]
    assert np.array_equal(cal.uncertainty.sigma_px, np.array(u["sigma_px"]))
    assert [v.name for v in cal.views] == [v["name"] for v in doc["views"]]
    assert np.array_equal(cal.views[1].corners_xy, np.array(doc["views"][1]["corners_xy"]))
    # written again by today's code: the same layout and the same values (the example station
    # predates the field fixed_ray_rms_px, which then reads as NaN and is written as null)
    again = json.loads(cal.save(tmp_path / "again.json").read_text())
    if "fixed_ray_rms_px" not in u:
        assert np.isnan(cal.uncertainty.fixed_ray_rms_px)
        assert again["quality"]["uncertainty"].pop("fixed_ray_rms_px") is None
    assert again == doc
    # and still usable: the plane of view 0 maps its own corners back to the board in mm, to
    # the corner noise (~0.01 px RMS, max ~0.05 px) times ~0.3 mm/px: 0.05 mm bound
    v = cal.views[0]
    mm = cal.plane(0).to_mm(v.corners_xy[v.corner_ok])
    assert np.abs(mm - cal.board.object_points()[v.corner_ok, :2]).max() < 0.05


def _with_nan_cells(cal: Calibration) -> Calibration:
    u = cal.uncertainty
    sigma = u.sigma_px.copy()
    sigma[0, 0] = sigma[-1, 0] = np.nan
    return replace(cal, uncertainty=ProjectionUncertainty(u.rms_px, u.max_px, u.grid_xy, sigma,
                                                          u.fixed_ray_rms_px),
                   holdout_rms_px=float("nan"))


def test_nan_cells_saved_as_null_and_restored(cal14, tmp_path):
    cal = _with_nan_cells(cal14)
    p = cal.save(tmp_path / "s.json")
    doc = json.loads(p.read_text())
    sig = doc["quality"]["uncertainty"]["sigma_px"]
    assert sig[0][0] is None and sig[-1][0] is None and sig[0][1] is not None
    assert doc["quality"]["holdout_rms_px"] is None
    back = Calibration.load(p)
    assert np.array_equal(np.isnan(back.uncertainty.sigma_px), np.isnan(cal.uncertainty.sigma_px))
    ok = ~np.isnan(cal.uncertainty.sigma_px)
    assert np.array_equal(back.uncertainty.sigma_px[ok], cal.uncertainty.sigma_px[ok])
    assert np.isnan(back.holdout_rms_px)
    assert back.uncertainty.n_outside == 2
    assert "2 of 192 grid points lie outside" in back.summary()


@pytest.mark.parametrize("bad", ["abc", [1.0, 2.0], -1.0])
def test_bad_uncertainty_cells_name_the_field(cal14, tmp_path, bad):
    p = cal14.save(tmp_path / "s.json")
    doc = json.loads(p.read_text())
    if isinstance(bad, list):
        doc["quality"]["uncertainty"]["sigma_px"] = [bad]
    else:
        doc["quality"]["uncertainty"]["sigma_px"][0][0] = bad
    p.write_text(json.dumps(doc))
    with pytest.raises(FileFormatError, match="sigma_px"):
        Calibration.load(p)


def test_udacity_calibration_saves_and_reloads(shared_data, tmp_path):
    """The real set whose fitted lens folds back inside the image corners (issue 11)."""
    d = shared_data / "calib" / "udacity_carnd"
    files = sorted(d.glob("*.jpg"))
    if not files:
        pytest.skip(f"udacity_carnd images not present in {d}")
    cal = calibrate(files, Checkerboard(9, 6, 25.0), holdout=False)
    u = cal.uncertainty
    # the standard model fitted here reaches at most a normalised distorted radius of ~0.62
    # (its fold at r = valid_radius); the image corners lie beyond, so no ray reaches them:
    # NaN is the right value there, and only there
    nan = np.isnan(u.sigma_px)
    assert 0 < nan.sum() < 0.1 * nan.size
    assert not np.any(cal.camera.in_valid_region(u.grid_xy[nan]))
    assert np.all(cal.camera.in_valid_region(u.grid_xy[~nan]))
    back = Calibration.load(cal.save(tmp_path / "udacity.json"))
    assert np.array_equal(np.isnan(back.uncertainty.sigma_px), nan)
    assert np.array_equal(back.uncertainty.sigma_px[~nan], u.sigma_px[~nan])
    assert np.array_equal(back.camera.K, cal.camera.K)
    assert back.rms_px == cal.rms_px and len(back.views) == len(cal.views)
