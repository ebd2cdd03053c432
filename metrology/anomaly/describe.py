"""What a fitted :class:`~metrology.anomaly.PatchCore` bank is and what its fit decided, in a
few lines a person reads (``metrology anomaly info BANK``, and at the end of ``anomaly fit``).

The fit makes choices of its own: the face band (``select="auto"``), which extra channels run
(each ``"auto"`` channel turns itself off where its conditions fail, and says why), how their
scores combine.  They are in the bank's ``info`` and settings; :func:`describe` says them.

>>> from metrology.anomaly import PatchCore
>>> describe(PatchCore())
['PatchCore bank: not fitted']
"""

from __future__ import annotations

from typing import Any

__all__ = ["describe", "channel_states"]

#: the extra channels, in the order they are listed: (info key, name shown)
CHANNELS = (("line_scan", "line"), ("texture_energy", "texture energy"), ("jet_scan", "jet"),
            ("jet_head", "jet head"), ("comb_scan", "comb"), ("cnn_scan", "discriminator"),
            ("chroma_scan", "chroma"), ("gaussianize", "Gaussianized face signal"),
            ("local_rms", "face signal over its local RMS"), ("ring_scan", "ring"))


def _scorer(pc: Any) -> Any:
    """``pc`` if it is a :class:`~metrology.anomaly.PatchCore`, else :class:`InputError`."""
    from ..errors import InputError
    from .patchcore import PatchCore

    if not isinstance(pc, PatchCore):
        raise InputError(f"pc: expected a PatchCore, given {type(pc).__name__}")
    return pc


def channel_states(pc: Any) -> dict:
    """Per extra channel (name shown -> its state as the fit recorded it: ``"on"``,
    ``"off"`` or ``"off: why"``), for the channels the bank's ``info`` records."""
    info = _scorer(pc).info
    return {name: str(info[key]) for key, name in CHANNELS if key in info}


def _band(sel: Any, band_px: float) -> str:
    """The face band line: the band chosen at fit (``info["select"]`` a dict) or the band set
    (``band_px``), with why the choice was not made (``info["select"]`` a string)."""
    if isinstance(sel, dict) and "edge_band_px" in sel:
        cands = ", ".join(f"{c['edge_band_px']:g} px {c['auroc']:.3f}"
                          for c in sel.get("candidates", []) if isinstance(c, dict)
                          and {"edge_band_px", "auroc"} <= set(c))
        return (f"face band {sel['edge_band_px']:g} px, chosen at fit"
                + (f" (painted held-back parts, AUROC by band: {cands})" if cands else ""))
    return f"face band {band_px:g} px, as set" + ("" if sel is None else f" (select {sel})")


def describe(pc: Any) -> list[str]:
    """Lines that say what the bank ``pc`` is: extractor, image size, training figures, the
    bank, the face band and channels the fit chose, how scores combine, the threshold."""
    if not _scorer(pc).is_fitted:
        return ["PatchCore bank: not fitted"]
    d, info = pc.to_dict(), pc.info
    h, w = d["image_shape"]
    colour = "colour" if d["image_channels"] == 3 else "gray"
    out = [f"PatchCore bank: features {d['features'].get('name', '?')}, "
           f"{info.get('feature_dim', '?')}-d per cell, images {w} x {h} {colour}"]
    fit = f"fitted on {info.get('n_images', '?')} good images"
    if "fit_seconds" in info:
        fit += f" in {info['fit_seconds']:.1f} s"
    out.append(f"{fit}; bank of {d['bank_size']} patches"
               + (f" (a coreset chosen from {info['patches_used']} of the "
                  f"{info['patches_total']} training patches)"
                  if "patches_used" in info and "patches_total" in info else ""))
    out.append(_band(info.get("select"), pc.settings.edge_band_px))
    states = channel_states(pc)   # a bank written before the channels records none
    out.append("channels: " + ("; ".join(f"{k} {v}" for k, v in states.items()) or
                               "none recorded (a bank from before the extra channels)"))
    aligned = ("not fitted" if pc._aligned is None else "fitted, on by default"
               if pc.settings.aligned else "fitted, on for aligned parts (a recipe's region, "
               "score(aligned=True), --aligned)")
    out.append(f"image score: channels combined by {pc.fusion_used!r}; position-aware check "
               f"{aligned}")
    thr = pc.threshold
    out.append(str(thr) if thr is not None else
               "threshold: none (calibrate_threshold on held-back good images, or fit with "
               "--calibrate)")
    return out
