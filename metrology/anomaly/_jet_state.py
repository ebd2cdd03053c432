"""Fitting the jet channel as the settings ask (private helper of ``patchcore``): the
channel itself (``_jet_scan``), its learned head (``_jet_head``) and memory
(``_jet_memory``), its comb and ring channels
(``_comb_scan``, ``_ring_scan``) and its whitening turned to each part's lay
(``_lay_turn``), with what ``info`` says of each."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from . import _jet_scan
from ._jet_scan import AUTO_MIN_IMAGES, MIN_IMAGES, JetScan
from ._ring_scan import fit_ring_state


def fit_jet_state(settings, line, imgs: list[np.ndarray], info: dict
                  ) -> tuple[JetScan | None, str]:
    """The jet channel as ``settings.jet_scan`` asks, on the fitted line channel (None: off),
    and what ``info["jet_scan"]`` says: "on", or "off: why".  With the channel on and
    ``settings.jet_head`` its learned head too (``info["jet_head"]`` "on", "off" or, where
    the ``"auto"`` gate refused it, "off: gate ..."; ``info["jet_head_gate"]`` the gate's
    figures; ``info["jet_head_seconds"]``)."""
    import time

    info["jet_head"] = info["comb_scan"] = info["ring_scan"] = info["lay_turn"] = "off"
    info["jet_memory"] = "off"
    mode = settings.jet_scan
    from ..image.io import as_gray

    if mode is False:
        return None, "off"
    need = MIN_IMAGES if mode is True else AUTO_MIN_IMAGES
    why = ("needs the line channel (its face and held-back statistics), which this fit does "
           "not have" if line is None else
           f"needs at least {need} good images (every 5th held back), given {len(imgs)}"
           if len(imgs) < need else None)
    if why is not None:
        for nm in ("jet_scan", "comb_scan", "ring_scan", "lay_turn"):  # the jet's signal
            if getattr(settings, nm) is True:
                raise InputError(f"{nm}: {'' if nm == 'jet_scan' else 'the jet channel '}{why}")
        return None, "off: no line channel" if line is None else f"off: 'auto' {why}"
    held = np.arange(len(imgs)) % 5 == 4
    grays = [as_gray(im, "images", dtype=np.float32) for im in imgs]
    # the face signal is Gaussianized as the line channel's is (``_marginal``): one decision
    # the module's HALF_FROM_PX read at the call: a version-6 bank is fitted with it None
    js = JetScan.fit(grays, held, line.roi, half_from=_jet_scan.HALF_FROM_PX,
                     gauss=line.jet_gauss,
                     own=line.jet_gauss is None or settings.gaussianize != "tiered",
                     local_rms=line.lrms is not None, lay_turn=settings.lay_turn)
    info["lay_turn"] = js.lay_info
    js.pc_stats = line.pc_stats
    if settings.jet_head:
        from ._jet_head import GATE_MARGIN, JetHead

        t0 = time.perf_counter()
        js.head = JetHead.fit(js, grays, held)
        js.head.pc_stats = line.pc_stats
        info["jet_head"] = "on"
        if settings.jet_head == "auto":
            a_head, a_jet = js.head.gate(js, grays, held)
            info["jet_head_gate"] = {"head_auroc": round(a_head, 4),
                                     "jet_auroc": round(a_jet, 4),
                                     "gain": round(a_head - a_jet, 4), "margin": GATE_MARGIN}
            if not a_head - a_jet >= GATE_MARGIN:
                js.head = None
                info["jet_head"] = (f"off: gate {a_head - a_jet:+.3f} < {GATE_MARGIN} "
                                    f"(painted held-back parts: head {a_head:.3f}, jet "
                                    f"{a_jet:.3f})")
        info["jet_head_seconds"] = round(time.perf_counter() - t0, 4)
    if settings.jet_memory:
        from ._jet_memory import GATE_CV, JetMemory

        t0 = time.perf_counter()
        js.memory = JetMemory.fit(js, grays, held)
        js.memory.pc_stats = line.pc_stats
        info["jet_memory"] = "on"
        if settings.jet_memory == "auto":
            share = js.memory.spread_share()
            info["jet_memory_gate"] = {"spread_share": round(share, 4), "limit": GATE_CV}
            if not share < GATE_CV:
                js.memory = None
                info["jet_memory"] = (f"off: gate: the held-back good parts' statistics "
                                      f"spread {share:.3f} of their mean (limit {GATE_CV})")
        info["jet_memory_seconds"] = round(time.perf_counter() - t0, 4)
    from ._comb_scan import fit_comb_state

    js.combs = fit_comb_state(settings.comb_scan, js, grays, held, info)
    js.rings = fit_ring_state(settings.ring_scan, js, grays, held, info)
    return js, "on"
