"""PatchCore bank files: one ``.npz`` written atomically, no pickle.

Version 2 (written now) is one NumPy ``.npz``: the arrays (``bank``, ``center``, ``scale``,
the position-aware bands ``aligned_lo/hi/spread``, edge support ``aligned_edge_mean/spread`` and
``aligned_coarse_edge_*`` (absent in older banks), an optional ``roi``) and ``meta`` (``format``,
``version``, settings, extractor configuration with the weights' sha256, training figures,
threshold) as UTF-8 bytes.  Written through one temp file and one rename (a crash leaves the
old bank or the new one, never a mismatched header); read with ``allow_pickle=False``.

Version 3 is version 2 with the line channel (``settings.line_scan``, on by default): the arrays
``line_psd``, ``line_spread``, ``line_roi`` and the header ``line_scan`` (scan constants and
the two channels' good-part score statistics).  A bank without the channel is still
written as version 2 and, unless its settings turn the channel off explicitly, with no
``line_scan`` field in its settings, so readers that predate the channel load it.

Version 4 is version 2 or 3 with the texture-energy channel (``settings.texture_energy``,
off by default): the arrays ``energy_roi`` (the face scanned, uint8), ``energy_center`` and
``energy_spread`` (per band median and spread of the log energies), ``energy_chan`` (per signed
band the mean and spread of its image statistic) and the header ``texture_energy`` (constants,
the channel's and PatchCore's good-part score statistics).  It is written only with the channel
on; without it the setting ``texture_energy`` is not written unless it turns the channel off
explicitly (``False``), so readers that predate the channel load such banks.

Version 5 (since 2026-12-05) is a bank whose settings ask for ``fusion`` ``"sum"`` or
``"auto"``: the setting written, the header ``fusion_used`` (how it combines its channels; with
``"auto"`` the one chosen at fit) and, where the sum is used with the line channel, the blob
channel (the array ``blob_spread`` and the header ``blob_scan``: sizes and score statistics).
A bank with channels and without that setting (versions 3 and 4) combines them by their
maximum, as it was calibrated; a bank whose settings ask for ``fusion="max"`` (the default) is
still written as version 2, 3 or 4 without the setting, so older readers load it.

All may hold ``select_roi`` (since 2026-12-04 evening): where a band along the edges was chosen
at fit (``settings.select``), the ROI without it, on which the position-aware check still
scores; older readers ignore it.  ``select`` is not written at its default (it acts at fit).

Version 6 (since 2026-12-05) is a bank with the jet channel (``settings.jet_scan``, on by
default with the line channel): the arrays ``jet_psd``, ``jet_whiten``, ``jet_mu``, ``jet_sd``,
``jet_roi`` and the header ``jet_scan`` (sizes, constants, score statistics).  Without the
channel a bank is written as before (version 2-5) and, unless its settings turn it off
explicitly, with no ``jet_scan`` field in its settings, so readers that predate it load it.

Version 7 (since 2026-12-05, sixth session) is version 6 whose jet channel searches its large scales
at half resolution (the header field ``jet_scan.half_from_px`` and the array
``jet_psd_half``, that level's spectrum): every bank fitted with the jet channel since then.
Readers of version 6 refuse it (they would score its half-resolution statistics at full
resolution); version-6 banks still load and score as they were fitted.

Version 8 (since 2026-12-05, ninth session) is version 7 with the discriminator channel
(``settings.cnn_scan``, an option, off by default): the arrays ``cnn_*`` (the net's weights,
float32, and ``cnn_roi``) and the header ``cnn_scan`` (sizes, norm, score statistics); scoring
it needs no torch.  Without the channel a bank is written as before and without the setting
``cnn_scan``, so readers that predate it load it.

Version 9 (since 2026-12-05, eleventh session) is version 8 with the chroma channel
(``settings.chroma_scan``, default ``"auto"``: on for banks fitted on colour images): the arrays
``chroma_roi`` and ``chroma_icov`` and the header ``chroma_scan`` (constants, score
statistics).  Readers that predate it refuse such a bank (they would score its colour images as
gray only); gray banks are written as before, without the setting.

Version 10 (since 2026-12-06, twelfth session) is version 3-9 whose line channel has the shift
gain (the array ``line_gain_ref``: each scan direction's median |z| on the held-back good
parts, which a scored image's own is divided by): every bank fitted with the line channel since
then.  Readers that predate it refuse such a bank (they would score it without the gain it was
calibrated with); older banks load and score as they were fitted, without the gain.

Version 11 (since 2026-12-06, fifteenth session) is version 10 whose jet channel has its
learned head (``settings.jet_head``, an option since the sixteenth session: ``True``, or
``"auto"`` where its fit-time gate kept it): the arrays ``jet_head_*`` (the perceptron's
weights and the features' standardisation) and the header field ``jet_scan.head`` (sizes,
score statistics).  Readers that predate it refuse such a bank (they would score it without
the head it was calibrated with); older banks load and score as they were fitted, without
it.  The setting is written unless it is the default (``False``): a default bank is version
10 as before, and so is an ``"auto"`` bank whose gate dropped the head.

Version 12 (since 2026-12-06, eighteenth session) is version 10 or 11 whose jet channel has the
comb channel on its face signal (``settings.comb_scan``: ``True``, or ``"auto"``, the
default, where its fit-time gate kept it: most banks fitted with the jet channel since
then): the arrays ``jet_comb_white`` (the training faces' amplitude spectrum) and
``jet_comb_ref`` (each direction's mean energy) and the header field ``jet_scan.comb``
(constants, score statistics).  Readers that predate it refuse such a bank; the setting is
written unless it is the default (``"auto"``) and the bank has no comb channel, so a bank
without the channel is written as before (``comb_scan=False`` written explicitly).

Version 13 (since 2026-12-06, eighteenth session, rule 51) is version 12 whose comb channel
also searches its second band, grooves 4 px apart (0.25 cycles per px): the arrays
``jet_comb25_white`` and ``jet_comb25_ref`` and the header field ``jet_scan.comb25``, beside
or (where the gate kept only it) instead of the 0.42 band's.  Readers that predate it refuse
such a bank.

Version 14 (nineteenth session, rule 52) is version 13 whose 0.25 band is scanned on
quarter-size spectrum blocks (``jet_scan.comb25.block_div`` = 4); readers that predate it refuse
it; version 13 banks load and score on half-size blocks, as they were calibrated.

Version 15 (twenty-fifth session, rule 54): a version 10-14 bank (``base_version``) whose line
and jet channels search a Gaussianized face signal (``_marginal.unwrap_header``).  Version 16
(twenty-seventh session, rule 57): a version 3-15 bank (``lrms_base_version``) whose line and
jet channels search the face signal over its local RMS (``_local_rms``); 17: a version 6-16
bank (``ring_base_version``) with a ring channel (``_ring_scan``); 18: a version 6-17 one
(``lay_base_version``) whose jet channel's whitening is turned to each part's lay (``_lay_turn``);
19: a version 6-18 one (``memory_base_version``) with the jet channel's memory (``_jet_memory``:
``jet_memory_vectors``, ``jet_scan.memory``); older readers refuse each (``_bank_version``).

A bank fitted with ``fusion="colocated"`` (the default since 2026-12-06, twentieth session)
and with an extra channel is written, at the version its channels give, with that setting,
``fusion_used`` and the header ``colocated`` (the constants of its sum, ``_colocated``);
readers that predate it refuse it (the setting is unknown to them), and so does a reader with
other constants.  Without an extra channel it is the maximum, written as before.  A bank
without the setting ``fusion`` combines its channels by their maximum, as it was calibrated.
Version 1 (a ``.json`` header beside a ``.npz``, replaced one after the other) still loads.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .._io import as_path, atomic_write_bytes, output_file, require
from .._serial import to_jsonable
from ..errors import FileFormatError, InputError
from ._marginal import unwrap_header
from ._bank_version import unwrap_version, wrap_version
from .aligned import AlignedModel
from .extractors import check_same_extractor, extractor_from_config
from .settings import PatchCoreSettings
from .threshold import Threshold

#: save_bank and load_bank are PatchCore.save / PatchCore.load's file layer: importable, not
#: public API (the methods check their arguments)
__all__ = ["BANK_FORMAT", "BANK_VERSION"]

BANK_FORMAT = "metrology.anomaly.patchcore"
BANK_VERSION = 19
#: versions this reader loads from an ``.npz`` with its own header
_NPZ_VERSIONS = tuple(range(2, BANK_VERSION + 1))


def _npz_path(path: Any) -> Path:
    p = as_path(path, "path")
    if p.name in ("", ".", "..") or p.is_dir():
        raise InputError(f"path: expected a bank file name, given the folder {str(p)!r}")
    return p.with_suffix(".npz") if p.suffix.lower() in (".json", ".npz", "") else \
        p.with_name(p.name + ".npz")


def save_bank(pc: Any, path: Any) -> Path:
    """Write ``pc`` (a fitted PatchCore) to one ``.npz`` file; returns its path."""
    out = output_file(_npz_path(path), "path")
    settings = pc.settings.to_dict()
    line = getattr(pc, "_line", None)
    if line is None and settings.get("line_scan") == "auto":
        settings.pop("line_scan", None)     # readable by readers that predate the channel
    energy = getattr(pc, "_energy", None)
    if energy is None and settings.get("texture_energy") == "auto":
        settings.pop("texture_energy", None)  # readable by readers that predate the channel
    if settings.get("select") == PatchCoreSettings().select:
        # the default: readable by readers that predate it (it acts at fit only; the band it
        # chose is in the bank's ROI and info["select"])
        settings.pop("select", None)
    jet = getattr(pc, "_jet", None)
    if jet is None and settings.get("jet_scan") == "auto":
        settings.pop("jet_scan", None)      # readable by readers that predate the channel
    if settings.get("jet_head") is False:
        settings.pop("jet_head", None)      # the default: readable by readers before it
    if (jet is None or not jet.combs) and settings.get("comb_scan") == "auto":
        settings.pop("comb_scan", None)     # readable by readers that predate the channel
    cnn = getattr(pc, "_cnn", None)
    if cnn is None and settings.get("cnn_scan") is False:
        settings.pop("cnn_scan", None)      # readable by readers that predate the channel
    chroma = getattr(pc, "_chroma", None)
    if chroma is None and settings.get("chroma_scan") == "auto":
        settings.pop("chroma_scan", None)   # readable by readers that predate the channel
    gauss = line is not None and line.gauss is not None
    if not gauss and settings.get("gaussianize") in ("auto", "line", "tiered", False):
        settings.pop("gaussianize", None)   # readable by readers that predate the setting
    blob = getattr(pc, "_blob", None)
    used = getattr(pc, "fusion_used", "max")
    if used == "colocated" and not any(c is not None for c in (line, energy, blob, jet, cnn,
                                                               chroma)):
        settings.pop("fusion", None)  # without extra channels it is "max": written as before
        used = "max"
    # a fusion other than "max" is written (version 5) so that the bank loads with it
    v5 = blob is not None or settings.get("fusion", "max") != "max"
    if not v5:
        settings.pop("fusion", None)  # "max": how versions 3 and 4 combine
    version = (14 if jet is not None and "comb25" in jet.combs and jet.combs["comb25"].div != 2
               else 13 if jet is not None and "comb25" in jet.combs
               else 12 if jet is not None and jet.combs
               else 11 if jet is not None and jet.head is not None
               else 10 if line is not None and line.gain_ref is not None
               else 9 if chroma is not None else 8 if cnn is not None
               else 7 if jet is not None and jet.half_from is not None
               else 6 if jet is not None else 5 if v5 else 4 if energy is not None
               else 3 if line is not None else 2)
    meta = {"format": BANK_FORMAT, "version": 15 if gauss else version,
            **({"base_version": version} if gauss else {}), "settings": settings,
            "features": pc.features.config(), "image_shape": list(pc.image_shape),
            "image_channels": pc.image_channels, "info": pc.info, "bank_size": pc.bank_size,
            "bank_dim": int(pc.bank.shape[1]), "aligned_gain": float(pc._aligned_gain),
            "threshold": None if pc.threshold is None else pc.threshold.to_dict()}
    wrap_version(meta, line, jet)
    arrays = {"bank": pc.bank, "center": pc._center, "scale": pc._scale}
    if pc._aligned is not None:
        arrays.update(pc._aligned.arrays())
        meta["aligned"] = pc._aligned.params()
    if pc.roi is not None:
        arrays["roi"] = pc.roi.astype(np.uint8)
    if getattr(pc, "_aligned_roi", None) is not None:
        arrays["select_roi"] = pc._aligned_roi.astype(np.uint8)
    if pc._ring_scale is not None:
        arrays["ring_scale"] = pc._ring_scale
    if line is not None:
        arrays.update(line.arrays())
        meta["line_scan"] = line.params()
    if energy is not None:
        arrays.update(energy.arrays())
        meta["texture_energy"] = energy.params()
    if blob is not None:
        arrays.update(blob.arrays())
        meta["blob_scan"] = blob.params()
    if jet is not None:
        arrays.update(jet.arrays())
        meta["jet_scan"] = jet.params()
    if cnn is not None:
        arrays.update(cnn.arrays())
        meta["cnn_scan"] = cnn.params()
    if chroma is not None:
        arrays.update(chroma.arrays())
        meta["chroma_scan"] = chroma.params()
    if v5:
        meta["fusion_used"] = used
    if used == "colocated":
        meta["colocated"] = _colocated_header()
    text = json.dumps(to_jsonable(meta), allow_nan=False)
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.frombuffer(text.encode("utf-8"), np.uint8), **arrays)
    return atomic_write_bytes(out, buf.getvalue())


def load_bank(cls: type, path: Any, features: Any = None) -> Any:
    """Read a bank file (version 2, or a version-1 JSON + .npz pair)."""
    p = as_path(path, "path")
    if p.suffix.lower() == ".json" and p.is_file() and not _is_v2(_npz_path(p)):
        return _load_v1(cls, p, features)
    # a .json name is a version-1 header (handled above) or the name a version-2 bank was
    # saved under: its arrays are in the .npz beside it
    npz = _npz_path(p) if not p.is_file() or p.suffix.lower() == ".json" else p
    if not npz.is_file():
        raise InputError(f"bank file not found: {p}")
    if not zipfile.is_zipfile(npz):
        raise FileFormatError(f"{npz}: not a PatchCore bank (not an .npz archive)")
    try:
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # zipfile/numpy raise many types for a damaged archive
        raise FileFormatError(f"{npz}: damaged bank file ({exc})") from None
    if "meta" not in arrays:
        twin = npz.with_suffix(".json")
        if twin.is_file():  # the arrays of a version-1 pair: read its header
            return _load_v1(cls, twin, features)
        raise FileFormatError(f"{npz}: no 'meta' header: not a PatchCore bank")
    where = str(npz)
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileFormatError(f"{where}: header 'meta' is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != BANK_FORMAT:
        raise FileFormatError(f"{where}: not a PatchCore bank (format "
                              f"{meta.get('format') if isinstance(meta, dict) else meta!r})")
    if meta.get("version") not in _NPZ_VERSIONS:
        raise FileFormatError(f"{where}: bank version {meta.get('version')!r} is not supported "
                              f"(this version reads 1 to {BANK_VERSION})")
    meta = unwrap_header(unwrap_version(meta, where), arrays, where)
    settings = PatchCoreSettings.from_dict(require(meta, "settings", dict, where),
                                           where=f"{where}: settings", error=FileFormatError)
    if "fusion" not in meta["settings"]:
        settings = settings.replace(fusion="max")  # as those banks were calibrated
    used = meta.get("fusion_used", "max" if settings.fusion == "auto" else settings.fusion)
    if used not in ("max", "sum", "colocated") or \
            (settings.fusion != "auto" and used != settings.fusion):
        raise FileFormatError(f"{where}: field 'fusion_used': expected 'max', 'sum' or "
                              f"'colocated' (the settings' fusion unless 'auto'), given {used!r}")
    pc = cls(_extractor(require(meta, "features", dict, where), features, where), settings)
    pc.fusion_used = used
    if used == "colocated":
        _check_colocated(meta, where)
    _fill(pc, meta, arrays, where)
    gain = require(meta, "aligned_gain", (int, float), where)
    if not (np.isfinite(gain) and gain > 0):
        raise FileFormatError(f"{where}: field 'aligned_gain': expected > 0, given {gain!r}")
    pc._aligned_gain = float(gain)
    al = meta.get("aligned")
    if al is not None:
        pc._aligned = AlignedModel.with_arrays(arrays, al, tuple(pc.info.get("feature_grid")
                                                                 or ()), where)
    if "ring_scale" in arrays:  # absent in banks written before it existed: no normalisation
        rs = arrays["ring_scale"]
        if rs.ndim != 1 or rs.size < 1 or rs.dtype.kind != "f" or not np.all(np.isfinite(rs)) \
                or np.any(rs < 1):
            raise FileFormatError(f"{where}: array 'ring_scale': expected finite values >= 1")
        pc._ring_scale = rs.astype(np.float32)
    if "roi" in arrays:
        roi = arrays["roi"]
        if roi.shape != pc.image_shape or not roi.any():
            raise FileFormatError(f"{where}: array 'roi': expected a non-empty mask of shape "
                                  f"{pc.image_shape}, given {roi.shape}")
        pc._roi = roi.astype(bool)
    if "select_roi" in arrays:  # a band chosen by select (absent before it and without one)
        sel = arrays["select_roi"]
        if sel.shape != pc.image_shape or not sel.any() or "roi" not in arrays:
            raise FileFormatError(f"{where}: array 'select_roi': expected a non-empty mask of "
                                  f"shape {pc.image_shape} beside the array 'roi', given "
                                  f"{sel.shape}")
        pc._aligned_roi = sel.astype(bool)
    if "line_scan" in meta or any(k.startswith("line_") for k in arrays):
        if settings.line_scan is False:
            raise FileFormatError(f"{where}: a line channel is stored but the settings have "
                                  f"line_scan off")
        if meta.get("version") not in (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14) or \
                "line_scan" not in meta:
            raise FileFormatError(f"{where}: line-channel arrays without their header "
                                  f"'line_scan' (version {meta.get('version')!r})")
        from ._line_scan import LineScan

        if ("line_gain_ref" in arrays) != (meta.get("version") in (10, 11, 12, 13, 14)):
            raise FileFormatError(f"{where}: a line channel's shift gain ('line_gain_ref') is "
                                  f"version 10 to 14 and only those, given version "
                                  f"{meta.get('version')!r}"
                                  f"{' with' if 'line_gain_ref' in arrays else ' without'} it")
        pc._line = LineScan.from_arrays(arrays, meta["line_scan"], pc.image_shape, where)
    elif settings.line_scan is True:
        raise FileFormatError(f"{where}: settings ask for the line channel but the bank has "
                              f"none (version {meta.get('version')!r})")
    _load_energy(pc, meta, arrays, settings, where)
    _load_blob(pc, meta, arrays, where)
    _load_jet(pc, meta, arrays, settings, where)
    _load_cnn(pc, meta, arrays, settings, where)
    _load_chroma(pc, meta, arrays, settings, where)
    grid = pc.info.get("feature_grid")
    if not (isinstance(grid, list) and len(grid) == 2):
        raise FileFormatError(f"{where}: field 'info.feature_grid': expected [h, w]")
    try:
        pc._cells = pc._grid_cells(tuple(grid))
    except InputError as exc:
        raise FileFormatError(f"{where}: {exc}") from None
    return pc


def _load_energy(pc: Any, meta: dict, arrays: dict, settings: Any, where: str) -> None:
    """The texture-energy channel of a version-4 bank (none in older ones)."""
    if "texture_energy" in meta or any(k.startswith("energy_") for k in arrays):
        if settings.texture_energy is False:
            raise FileFormatError(f"{where}: a texture-energy channel is stored but the "
                                  f"settings have texture_energy off")
        if meta.get("version") not in (4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14) or \
                "texture_energy" not in meta:
            raise FileFormatError(f"{where}: texture-energy arrays without their header "
                                  f"'texture_energy' (version {meta.get('version')!r})")
        from ._energy_channel import EnergyChannel

        pc._energy = EnergyChannel.from_arrays(arrays, meta["texture_energy"], pc.image_shape,
                                               where)
    elif settings.texture_energy is True:
        raise FileFormatError(f"{where}: settings ask for the texture-energy channel but the "
                              f"bank has none (version {meta.get('version')!r})")


def _is_v2(npz: Path) -> bool:
    """True when ``npz`` is a version-2 bank (its own header): a version-1 ``.json`` left
    beside it by an older save is stale then."""
    try:
        with zipfile.ZipFile(npz) as z:
            return "meta.npy" in z.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def _extractor(fcfg: dict, given: Any, where: str) -> Any:
    if given is None:
        return extractor_from_config(fcfg, where)
    check_same_extractor(fcfg, given, where)
    return given


def _arr(arrays: dict, key: str, where: str) -> np.ndarray:
    if key not in arrays:
        raise FileFormatError(f"{where}: array {key!r} is missing")
    a = arrays[key]
    if a.dtype.kind != "f" or not np.all(np.isfinite(a)):
        raise FileFormatError(f"{where}: array {key!r} is not finite floating point")
    return a


def _fill(pc: Any, meta: dict, arrays: dict, where: str) -> None:
    """Bank, normalisation, image size, info and threshold from a header and its arrays."""
    shape = require(meta, "image_shape", list, where)
    if len(shape) != 2 or not all(isinstance(v, int) and v > 0 for v in shape):
        raise FileFormatError(f"{where}: field 'image_shape': expected [H, W], given {shape}")
    chans = require(meta, "image_channels", int, where)
    if chans not in (1, 3, 4):
        raise FileFormatError(f"{where}: field 'image_channels': expected 1, 3 or 4, "
                              f"given {chans}")
    bank, center, scale = (_arr(arrays, k, where) for k in ("bank", "center", "scale"))
    n = require(meta, "bank_size", int, where)
    dim = require(meta, "bank_dim", int, where)
    if bank.ndim != 2 or bank.shape != (n, dim) or n < 1:
        raise FileFormatError(f"{where}: array 'bank': expected shape ({n}, {dim}), given "
                              f"{bank.shape}")
    for nm, a in (("center", center), ("scale", scale)):
        if a.shape != (dim,):
            raise FileFormatError(f"{where}: array {nm!r}: expected shape ({dim},), given "
                                  f"{a.shape}")
    if np.any(scale <= 0):
        raise FileFormatError(f"{where}: array 'scale' has non-positive entries")
    pc._center, pc._scale = center.astype(np.float32), scale.astype(np.float32)
    pc._set_bank(np.ascontiguousarray(bank, dtype=np.float32))
    pc.image_shape = (shape[0], shape[1])
    pc.image_channels = chans
    pc.info = dict(meta.get("info") or {})
    thr = meta.get("threshold")
    if thr is not None:
        pc.threshold = Threshold.from_dict(thr, where=f"{where}: threshold",
                                           error=FileFormatError)


# --- version 1: JSON header + .npz arrays -----------------------------------------------------

_V1_KEYS = {"coreset_ratio", "max_bank", "max_patches", "k", "reweight_neighbors", "patch_size",
            "compress", "smoothing_sigma", "nn", "resize", "projection_dim", "seed"}


def _load_v1(cls: type, path: Path, features: Any) -> Any:
    from .._io import load_npz, read_json_file

    where = str(path)
    doc = read_json_file(path, fmt=BANK_FORMAT, versions=[1])
    cfg = require(doc, "config", dict, where)
    if cfg.get("position_weight", 0):
        raise FileFormatError(f"{where}: a version-1 bank with position_weight > 0 cannot be "
                              f"read by this version; re-fit it (the position-aware check is "
                              f"now score(..., aligned=True))")
    unknown = sorted(set(cfg) - _V1_KEYS - {"position_weight"})
    if unknown:
        raise FileFormatError(f"{where}: field 'config' is invalid (unknown {unknown})")
    # version 1 scored images by the reweighted maximum: keep that
    settings = PatchCoreSettings.from_dict({k: cfg[k] for k in cfg if k in _V1_KEYS}
                                           | {"image_score": "reweighted"},
                                           where=f"{where}: config", error=FileFormatError)
    arrays = require(doc, "arrays", dict, where)
    fname = require(arrays, "file", str, where + " arrays")
    digest = require(arrays, "sha256", str, where + " arrays")
    if Path(fname).name != fname:
        raise FileFormatError(f"{where}: field 'arrays.file' must be a bare file name, "
                              f"given {fname!r}")
    npz = path.parent / fname
    if not npz.is_file():
        raise FileFormatError(f"{where}: its array file {npz} is missing (copy both files "
                              f"together)")
    if hashlib.sha256(npz.read_bytes()).hexdigest() != digest:
        raise FileFormatError(f"{npz}: checksum does not match {where} (corrupt, or from "
                              f"another save)")
    arr = load_npz(npz, ["bank", "center", "scale"])
    pc = cls(_extractor(require(doc, "features", dict, where), features, where), settings)
    _fill(pc, doc, arr, where)
    pc._aligned, pc._aligned_gain = None, 1.0
    pc._cells = pc._grid_cells(tuple(pc.info.get("feature_grid") or
                                     _grid(pc.image_shape, pc.features.stride)))
    return pc


def _grid(shape: tuple[int, int], stride: int) -> tuple[int, int]:
    return (-(-shape[0] // stride), -(-shape[1] // stride))


def _load_blob(pc: Any, meta: dict, arrays: dict, where: str) -> None:
    """The blob channel of a version-5 to -10 bank (on its line channel; none in older ones)."""
    if "blob_scan" not in meta and "blob_spread" not in arrays:
        return
    if meta.get("version") not in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14) or \
            "blob_scan" not in meta or pc._line is None:
        raise FileFormatError(f"{where}: blob-channel entries need the header 'blob_scan', "
                              f"the array 'blob_spread' and the line channel (version 5 to 14), "
                              f"given version {meta.get('version')!r}")
    from ._blob_scan import BlobScan

    pc._blob = BlobScan.from_arrays(pc._line, arrays, meta["blob_scan"], where)


def _stored(meta: dict, arrays: dict, settings: Any, name: str, where: str) -> bool:
    """Whether the bank stores the ``name`` channel (header ``{name}_scan`` or ``{name}_*``
    arrays); a bank the settings contradict (asked for and absent, stored and off) raises."""
    key = f"{name}_scan"
    asked = getattr(settings, key)
    if key not in meta and not any(k.startswith(f"{name}_") for k in arrays):
        if asked is True:
            raise FileFormatError(f"{where}: settings ask for the {name} channel but the bank "
                                  f"has none (version {meta.get('version')!r})")
        return False
    if asked is False:
        raise FileFormatError(f"{where}: a {name} channel is stored but the settings have "
                              f"{key} off")
    return True


def _load_jet(pc: Any, meta: dict, arrays: dict, settings: Any, where: str) -> None:
    """The jet channel of a version-6 to -14 bank (on its line channel; none in older ones;
    versions 7 to 14: its large scales at half resolution; version 11: with its head; 12: with
    the comb channel's 0.42 band, 13: with its 0.25 band too (or alone), 14: that band on
    quarter-size blocks, either maybe with the head)."""
    if not _stored(meta, arrays, settings, "jet", where):
        if settings.comb_scan is True:
            raise FileFormatError(f"{where}: settings ask for the comb channel but the bank "
                                  f"has no jet channel to carry it")
        return
    version = meta.get("version")
    if version not in (6, 7, 8, 9, 10, 11, 12, 13, 14) or "jet_scan" not in meta or \
            pc._line is None:
        raise FileFormatError(f"{where}: jet-channel entries need the header 'jet_scan', its "
                              f"arrays and the line channel (version 6 to 14), given version "
                              f"{version!r}")
    jet = meta["jet_scan"]
    half = (isinstance(jet, dict) and "half_from_px" in jet) or "jet_psd_half" in arrays
    # version 10 is any earlier one with the line channel's shift gain: its jet may be either
    if version not in (10, 11, 12, 13, 14) and half != (version in (7, 8, 9)):
        raise FileFormatError(f"{where}: a jet channel at half resolution ('half_from_px', "
                              f"'jet_psd_half') is version 7 to 10 and only those, given version "
                              f"{version!r}{' with' if half else ' without'} it")
    from ._jet_scan import JetScan

    pc._jet = JetScan.from_arrays(arrays, meta["jet_scan"], pc.image_shape, where)
    has_head, combs = pc._jet.head is not None, set(pc._jet.combs)
    quarter = "comb25" in combs and pc._jet.combs["comb25"].div != 2
    if (version == 12 and combs != {"comb"}) or (version in (13, 14)) != ("comb25" in combs) \
            or (combs and version not in (12, 13, 14)) or quarter != (version == 14):
        raise FileFormatError(f"{where}: a comb channel ('jet_scan.comb', 'jet_comb_*') is "
                              f"version 12 and only that, with its 0.25 band ('comb25') "
                              f"version 13, that band on quarter-size blocks version 14, given "
                              f"version {version!r} with {sorted(combs) or 'none'}"
                              f"{' (quarter-size)' if quarter else ''}")
    if (has_head and version not in (11, 12, 13, 14)) or (version == 11 and not has_head):
        raise FileFormatError(f"{where}: a jet channel's head ('jet_scan.head', 'jet_head_*') "
                              f"is version 11 to 14, and version 11 has it, given version "
                              f"{version!r}{' with' if has_head else ' without'} it")
    from ._comb_scan import BANDS

    asked = settings.comb_scan
    if (asked is True and combs != set(BANDS)) or (asked is False and combs):
        raise FileFormatError(f"{where}: the settings have comb_scan {asked!r} but the bank "
                              f"has {'the bands ' + str(sorted(combs)) if combs else 'no'} "
                              f"comb channel")


def _load_cnn(pc: Any, meta: dict, arrays: dict, settings: Any, where: str) -> None:
    """The discriminator channel of a version-8 to -10 bank (on its line channel; none in
    older ones)."""
    if not _stored(meta, arrays, settings, "cnn", where):
        return
    version = meta.get("version")
    if version not in (8, 9, 10, 11, 12, 13, 14) or "cnn_scan" not in meta or pc._line is None:
        raise FileFormatError(f"{where}: cnn-channel entries need the header 'cnn_scan', its "
                              f"arrays and the line channel (version 8 to 14), given version "
                              f"{version!r}")
    from ._cnn_scan import CnnScan

    pc._cnn = CnnScan.from_arrays(arrays, meta["cnn_scan"], pc.image_shape, where)


def _load_chroma(pc: Any, meta: dict, arrays: dict, settings: Any, where: str) -> None:
    """The chroma channel of a version-9 or -10 bank (none in older ones)."""
    if not _stored(meta, arrays, settings, "chroma", where):
        return
    if meta.get("version") not in (9, 10, 11, 12, 13, 14) or "chroma_scan" not in meta or \
            pc.image_channels == 1:
        raise FileFormatError(f"{where}: chroma-channel entries need the header "
                              f"'chroma_scan', its arrays and a colour bank (version 9 to 14), "
                              f"given version {meta.get('version')!r}")
    from ._chroma_scan import ChromaScan

    pc._chroma = ChromaScan.from_arrays(arrays, meta["chroma_scan"], pc.image_shape, where)


def _colocated_header() -> dict:
    """The header ``colocated`` of a bank fitted with ``fusion="colocated"``: the constants
    its scores are computed with (a reader with others refuses the bank)."""
    from ._colocated import OFFSET, SUPPORT, WINDOW_PX

    return {"support": SUPPORT, "offset": OFFSET, "window_px": WINDOW_PX}


def _check_colocated(meta: dict, where: str) -> None:
    """A ``fusion="colocated"`` bank's header, checked against this reader's constants."""
    h = require(meta, "colocated", dict, where)
    if h != _colocated_header():
        raise FileFormatError(f"{where}: field 'colocated': the bank was scored with {h!r}; "
                              f"this reader scores {_colocated_header()!r}: re-fit")
