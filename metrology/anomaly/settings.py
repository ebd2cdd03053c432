"""PatchCore's options, grouped in one frozen dataclass validated once.

:class:`PatchCoreSettings` holds how the memory bank is built (``coreset_ratio``, ``max_bank``,
``max_patches``, ``projection_dim``, ``seed``), how patches are compared (``patch_size``,
``compress``, ``k``, ``nn``), how the map becomes an image score (``image_score``, ``top_k``,
``reweight_neighbors``, ``smoothing_sigma``, ``ignore_margin_px``) and the position-aware check
of aligned parts (``aligned``, ``aligned_tolerance_px``).  ``PatchCore(settings=...)`` takes one;
``PatchCore(coreset_ratio=0.1)`` (flat keywords) builds one with those fields replaced.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from .._serial import Serializable
from ..errors import InputError, MetrologyError

__all__ = ["PatchCoreSettings", "IMAGE_SCORES"]

#: image-score reductions of the anomaly map (see :class:`PatchCoreSettings`)
IMAGE_SCORES = ("topk", "max", "reweighted")
_NN = ("auto", "kdtree", "brute", "faiss")
#: modes of ``PatchCoreSettings.select``
SELECT_MODES = ("auto", "off")
#: how the image score combines the channels (``PatchCoreSettings.fusion``)
FUSIONS = ("max", "sum", "auto", "colocated")


def checked_from_dict(cls: type, d: Any, where: Any, error: Any) -> Any:
    """``Serializable.from_dict`` of ``cls`` after checking ``where`` (None or a string) and
    ``error`` (an exception class of the library's error tree)."""
    if not (isinstance(error, type) and issubclass(error, MetrologyError)):
        raise InputError(f"error: expected an exception class of metrology.errors, given "
                         f"{type(error).__name__}")
    if where is not None and not isinstance(where, str):
        raise InputError(f"where: expected a string or None, given {type(where).__name__}")
    return super(cls, cls).from_dict.__func__(cls, d, where=where, error=error)


def _int(name: str, v: Any, lo: int) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or \
            int(v) != v or v < lo:
        raise InputError(f"{name}: expected an integer >= {lo}, given {v!r}")


def _num(name: str, v: Any, lo: float, *, strict: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if not ok or v < lo or (strict and v <= lo):
        op = ">" if strict else ">="
        raise InputError(f"{name}: expected a finite number {op} {lo:g}, given {v!r}")


@dataclass(frozen=True)
class PatchCoreSettings(Serializable):
    """Options of :class:`~metrology.anomaly.PatchCore` (all validated on creation).

    ``to_dict()`` / ``from_dict(d, where=..., error=...)`` come from the shared serialiser
    (unknown fields are refused, missing ones take their defaults).

    Attributes
    ----------
    coreset_ratio : float in (0, 1]
        Fraction of the training patches kept in the memory bank.
    max_bank : int
        Upper bound on the bank size (scoring time grows with it).
    max_patches : int
        Training patches are randomly subsampled to this count before the greedy coreset
        (whose cost is patches x bank size).
    projection_dim : int
        Random-projection width of the coreset distances.
    seed : int
        Seed of subsampling, projection and the first coreset centre.
    patch_size : int (odd)
        Side of the locally aware neighbourhood average, in feature cells (3 as in the paper).
    compress : float or None
        Scale ``c`` of the ``c * asinh(z / c)`` compression of standardised features.
        ``compress=4`` with ``max_bank=2048`` lifted fine random textures that fill the image
        (blasted, peened faces) but lost on a held-out configuration (docs/anomaly.md):
        an option to check on your own parts, not the default.
    k : int
        Nearest bank patches averaged into each patch's anomaly value (1 = PatchCore).
    nn : {"auto", "kdtree", "brute", "faiss"}
        Nearest-neighbour search.
    image_score : {"topk", "max", "reweighted"}
        ``"topk"`` (default): mean of the ``top_k`` largest values of the smoothed patch map,
        robust to a texture's own rare single patches; ``"max"``: its maximum;
        ``"reweighted"``: the paper's largest raw patch distance, reweighted by how isolated
        its nearest bank patch is.
    top_k : int
        Number of map cells averaged by ``"topk"``.
    reweight_neighbors : int
        Bank neighbourhood ``b`` of the ``"reweighted"`` score.
    smoothing_sigma : float
        Gaussian smoothing of the anomaly map, image pixels.
    ignore_margin_px : int
        Map cells within this many pixels of the image border are set to zero and left out of
        the image score (the ROI mask of :meth:`PatchCore.set_roi` does the same for any shape).
    resize : bool
        Resize images of another size to the training size (else they raise).
    aligned : bool
        Use the position-aware check (missing or extra features of aligned parts) in
        :meth:`PatchCore.score` by default.  The recipe's aligned region turns it on whatever
        this says (unless the recipe sets ``"aligned": false``).
    aligned_tolerance_px : float
        Placement error the position-aware check tolerates (residual misalignment of the
        aligned parts, image pixels).
    edge_band_px : float
        0 (default): off.  Otherwise only the part face is learned and scored (part of the
        ROI, saved with it): the pixels of the mean good image within a third of its median
        level, farther than this many pixels from its strong edges (a step of 20 % of that
        level: plate outline, holes, slots).  Where placement jitter moves the edges, a good
        part's map peaks there and hides faint defects on the face; defects on the band, and
        a missing hole or slot (outside the face), are then not seen (docs/anomaly-log.md,
        *Held-out 5 and detectability*).
    line_scan : {"auto", True, False}
        The line channel (docs/anomaly-log.md, *The line channel*): a whitened search for long
        faint straight lines (hairlines, scuffs, scratches on fine textures) on the part face
        (the face of ``edge_band_px``, at least 6 px from strong edges), beside the patch
        distances.  Both channels are put on one scale by good parts held back at fit (every
        5th image); the map is the larger of the two, the score as ``fusion`` says.  ``"auto"`` (default):
        on with the classical features when it can be fitted (at least 5 good images, a face
        large enough, ``image_score`` ``"topk"`` or ``"max"``), else off (``info["line_scan"]``
        says why; with ``"efficientnet-lite0"`` it was measured and not kept: brick 0.995
        -> 0.778 with both channels, 1.000 with the texture-energy one alone); ``True``: on (any extractor), and those conditions raise
        :class:`InputError`; ``False``: off.
    select : {"auto", "off"}
        Configuration chosen at fit from the good images themselves (docs/anomaly-log.md,
        *Configuration chosen at fit*).  ``"auto"``: a few good images are held back, the
        generator's five original surface defects (scratch, spot, dent, crack, stain) are
        painted onto copies of them on the part face, and the candidates ``edge_band_px``
        (this field's value first, then 0 and 6 px) are each fitted on the other images and
        scored on the held-back good and painted copies; the bank is built with the one of
        highest AUROC (a tie, within ``SELECT_TIE``, keeps the first).  ``info["select"]``
        holds the choice and the figures; ``settings`` stay as given.  Needs at least
        ``SELECT_MIN_IMAGES`` good images and the position-free use (``aligned=False``: on
        aligned parts the edges do not move), else it is skipped and ``info`` says why.
        The painted defects are placed as the generator places real ones, clear of the
        face's edges.  Default ``"auto"`` since 2026-12-04 (late evening; a fit of 200 images
        about 5 times longer, 26 s CPU); ``"off"``: the settings as given (the former
        default).
    texture_energy : {"auto", True, False}
        The texture-energy channel (docs/anomaly-log.md, *The texture-energy channel in
        PatchCore*): band log-energies of the face texture over a 5 px window against their
        position-free statistics on the good faces, for defects that flatten or roughen the
        texture over an area (dents, scuffs) which patch distances miss.  Put on PatchCore's
        scale through the same held-back good parts as the line channel; the score and the
        map are combined as ``fusion`` says.  ``"auto"`` (default since 2026-12-04 late
        night): on with the classical features, and since 2026-12-04/05 (night) with
        ``"efficientnet-lite0"`` too (and ``"-lite1"``, ``"-lite2"``, measured in the
        twenty-fourth session), when it can be fitted (at least 5 good images, a face
        large enough, ``image_score`` ``"topk"`` or ``"max"``), else off
        (``info["texture_energy"]`` says why); ``True``: on (any extractor), and those
        conditions raise :class:`InputError`; ``False``: off (the former default).
    fusion : {"max", "sum", "auto", "colocated"}
        How the image score combines the channels (patch bank, line, texture energy), each put
        on PatchCore's scale through the good parts held back at fit: ``"max"`` (the default
        until the twentieth session) the largest; ``"sum"`` (an option since 2026-12-05) their
        z-scores summed over the square root of their number (a defect that moves several
        channels a little adds up), with the blob channel (a whitened search for round spots
        beside the line channel's, fitted with it).  ``"sum"`` gained on some development sets
        (the honed rail +0.061 at full size) and lost on others (the lapped hub, held-out 9,
        -0.038), so it is not the default.  ``"auto"``: chosen at fit with the edge band by
        ``select="auto"`` (each fold's bank scored both ways; ``"max"`` unless ``"sum"`` does
        better by more than the selection's tie, and ``"max"`` where the selection does not
        run); the choice is ``PatchCore.fusion_used`` and ``info["select"]["fusion"]``.  The map
        is the largest of the channels' maps under ``"max"`` and ``"sum"`` (docs/anomaly-log.md,
        *Sum of the channels' z-scores and the blob channel*).  ``"colocated"`` (default since
        2026-12-06, twentieth session, rule 53): per pixel of the face the largest of the
        channels' z values plus a quarter of the support the others give it there (each counted
        from 1 spread under its good parts' typical maximum), so a mark that lifts several
        channels a little at one place counts more than one that lifts a single channel; the
        score is the larger of ``"max"``'s and that sum's maximum, the map that sum on the face
        (docs/anomaly-log.md, *Co-located evidence*; ``metrology.anomaly._colocated``).  +0.0019 on
        average over 24 development sets (19 gain), +0.0037 on held-out 35 judged blind.  A bank
        saved without the setting (before it) combines by ``"max"``, as it was calibrated.
    jet_scan : {"auto", True, False}
        The jet channel (docs/anomaly-log.md, *The jet channel*): a whitened matched-subspace
        search on the line channel's face for compact marks of any shape near a Gaussian, its
        slopes or its second derivatives (spots, pits, stains, dents, blisters, gouges) at
        six sizes (sigma 1-10 px), each answer also whitened by the image's own texture (a
        lay that turns from part to part); fitted with the line channel and put on PatchCore's
        scale through the same held-back good parts.  ``"auto"`` (default): on wherever the
        line channel is on and the fit has at least 40 good images (every 5th is held back
        to calibrate its 36 statistics), else off (``info["jet_scan"]`` says why); ``True``:
        on, and a fit without the line channel or with fewer than 10 images raises
        :class:`InputError`; ``False``: off (the former default).  The fit-time selection
        (``select``) scores its fold banks without it.
    jet_head : bool or "auto"
        The jet channel's learned head, an option (``False``, the default, leaves it off;
        docs/anomaly-log.md, *A learned head on the jet channel* and *The gated jet head*): a
        small perceptron (numpy, seeded) trained at fit on the jet channel's whitened
        responses to tell the good faces' pixels from those of generic marks painted into 40
        of them (strokes, blobs, shaded slopes, flattened patches, dot clusters, the
        discriminator channel's); its largest logit on the inner face is calibrated on the
        held-back good parts and put on PatchCore's scale as the jet channel's.  It learns
        where a texture made of marks of its own ends (swirled, tumbled, satin faces: +0.05
        to +0.09), which one covariance cannot, but on other faces it adds false alarms.
        ``"auto"`` (recommended where it is wanted): trained, then kept only if, on the
        held-back good parts and three copies of each with one mark painted in, its AUROC
        beats the jet channel's by at least 0.10 (``info["jet_head_gate"]``); ``True``:
        always kept.  Needs the jet channel.  ``info["jet_head"]`` says "on", "off" or "off:
        gate ...", ``info["jet_head_seconds"]`` its fit time (gate included).
    jet_memory : bool or "auto"
        The jet channel's memory (``"auto"``, the default, keeps it where its gate does;
        ``False`` leaves it off; docs/anomaly-log.md, *A memory of the jet's responses*): the
        jet's 36 whitened responses of 60 good parts on a 4 px grid, thinned to 1000 vectors
        by the greedy coreset; per scored pixel (a 4 px grid, then a 2 px one round the 16
        farthest) the distance to the nearest, the image statistic the mean of the 10
        largest, in spreads of the held-back good parts'.  It
        is *summed* with the other channels' fused score (their z's added, over sqrt 2),
        not maximised; with an ROI set after the fit that cuts into the face it sits out
        (its statistic was calibrated on the whole face).  Needs the jet channel (silently
        off without it, as the head is);
        ``"auto"``: fitted, then kept only where the held-back good parts' statistics
        spread less than 0.2 of their mean (``info["jet_memory_gate"]``): where good parts
        lie as far from the memory as they like (a face whose look wanders from place to
        place), the nearest seen vector measures how new a good face is, not a mark on it.
        ``info["jet_memory"]`` says "on", "off" or "off: gate ...",
        ``info["jet_memory_seconds"]`` its fit time.
    cnn_scan : bool
        The discriminator channel (an option; ``False``, the default, leaves it off): a small
        fully-convolutional net (16 channels, dilated residual layers) trained at fit on the
        good faces with generic synthetic marks pasted into them (strokes, blobs, shaded
        slopes, flattened patches, dot clusters; any angle, either sign, 0.5-4 texture
        spreads), 2000 steps on one torch thread, seeded; its score (the largest logit on the
        line channel's inner face) is calibrated on the held-back good parts and put on
        PatchCore's scale as the jet channel's.  Training needs torch (the extra
        ``metrology[deep]``); scoring does not: OpenCV's DNN module runs the net (written as
        ONNX by the library), so a saved bank scores without torch.  ``True`` needs the line
        channel and at least 40 good images (every 5th is held back), else
        :class:`InputError`.  Measured beside the default's channels: mean AUROC +0.0158 over
        16 held-out sets (worst -0.0038), +0.0133 over 12 on a second training sample (worst
        -0.0059); about 3.2 min more fit CPU (bound by the steps, not the images) and 8-11 ms
        more per 256 x 256 scored (docs/anomaly.md).  ``info["cnn_scan"]`` is "on" or "off",
        ``info["cnn_scan_seconds"]`` its fit time.  The fit-time selection (``select``) scores
        its fold banks without it.
    comb_scan : {"auto", True, False}
        The comb channel (docs/anomaly-log.md, *The comb channel in the library* and *A second
        comb band*): a search on the jet channel's face signal for bands of fine parallel
        grooves, faint in every pixel, whose energy one band-pass per direction (36
        directions) adds up, in two bands: 0.42 cycles per px (grooves 2-2.8 px apart: a drag
        mark, a fingerprint's ridges) and 0.25 (4 px apart: chatter, pairs of hairlines); the
        signal whitened by the training faces' spectrum and the image's own, each direction's
        energy over its training mean, the largest log ratio on the face calibrated on the
        jet's held-back good parts and put on PatchCore's scale, each band on its own.
        ``"auto"`` (default since the eighteenth session, rules 50 and 51): fitted with the jet
        channel, each band then kept only where the held-back good parts' own score is under
        3.5 (a texture with comb-band patches of its own gets false alarms from it;
        ``info["comb_scan_gate"]``); ``True``: both bands always kept; ``False``: off (the
        former default).  Mean AUROC +0.0056 (0.42 band) and +0.0044 more (0.25 band) over 16
        development sets.  Needs the jet channel (``True`` raises :class:`InputError` where
        the fit has none).  About 2 s more fit CPU per 100 images and 15 ms per 256 x 256
        scored.  With ``fusion="sum"`` each band kept counts as one channel.
        ``info["comb_scan"]`` says "on", "on: <bands kept> (gate: ...)", "off" or "off:
        ...", ``info["comb_scan_seconds"]`` its fit time.
    chroma_scan : {"auto", True, False}
        The chroma channel (docs/anomaly-log.md, *Colour parts: the chroma channel*): every other
        channel sees a colour image as gray, so a discolouration that keeps the luminance
        (heat tint, a dye or passivation colour change, a coloured film) is invisible to
        them; this channel whitens the image's opponent chromaticity, smoothed at 1.5 px
        less its 8 px background, by its covariance on the good faces, and puts the mean of
        its 16 largest values on the face on PatchCore's scale through the held-back good
        parts, as the texture-energy channel.  ``"auto"`` (default): on when the bank is
        fitted on colour images (at least 5; every 5th held back) with the classical or the
        efficientnet-lite0 features (where it was measured), else off
        (``info["chroma_scan"]`` says why); ``True``: on, and a fit on gray images raises
        :class:`InputError`; ``False``: off, colour images scored as gray as before.
    gaussianize : {"tiered", "line", "auto", True, False}
        The line and jet channels' face signal mapped through the training faces' own
        distribution of levels to normal quantiles before the whitened search
        (docs/anomaly-log.md, *A Gaussianized face signal*, *The map on the line channel
        only*, *The jet's map on the most one-sided faces*).  A face of sparse dark marks on
        a bright ground (swirled, anodised, sintered) or of sparse bright grains on a dark one
        has one-sided levels: its marks own the spectrum the whitening divides out, and a
        faint defect clear of everything on the face scores below good parts.  The map
        compresses the marks' long tail and stretches what lies beyond the face's short side.
        ``"tiered"``, ``"line"`` and ``"auto"`` map only faces whose levels are skewed
        (|skewness| at least 0.75); every other face scores exactly as with ``False``.
        ``"tiered"`` (default since rule 56): the line channel's signal from |skewness|
        0.75, the jet channel's too from 1.5, where its statistics whitened by the image's
        own covariance are left out (on the mapped signal they alarmed on good parts of
        another region of a real photo); on two fresh one-sided held-outs +0.08 and +0.11
        AUROC over ``"line"``, on the real Hubble deep-field photo +0.06.
        ``"line"`` (the default of rule 55): the line channel only.  ``"auto"`` (rule 54):
        both from 0.75, with the jet's own statistics; it lost 0.14 on the real moon photo
        (skewness -0.82), whose test parts come from another region of it.  ``True``: both,
        always (a near-Gaussian face lost up to 0.04); ``False``: never.  ``True`` needs the
        line channel (it raises :class:`InputError` where the fit has none).  About 1 ms more
        per 256 x 256 scored where a face is mapped.  ``info["gaussianize"]`` says "on" or
        "off", which channels and the skewness.
    local_rms : {False, "auto", True}
        The line and jet channels' face signal (after the Gaussian map, where there is one)
        divided by its local RMS over a 16 px window, so a face rougher in some places than
        in others (mill scale in patches, a half-skimmed casting, a crater field) has the same
        contrast everywhere before the whitened search (docs/anomaly-log.md, *The face signal
        over its local RMS*).  An option (rule 57b kept it off by default: the real Hubble
        deep-field photo lost 0.021).  ``"auto"`` divides only where the log local RMS of
        the training faces spreads by 0.12 or more: the real moon photo 0.763 -> 0.825, the
        uneven held-outs 11, 14, 15 +0.03 / +0.03 / +0.08; every other face scores exactly as
        with ``False``.  ``True``: always (faces of even roughness lost 0.008 to 0.025 AUROC
        in development).  ``True`` needs the line channel.
        ``info["local_rms"]`` says "on" or "off" and the spread.
    ring_scan : {False, "auto", True}
        The ring channel on the jet channel's face signal: a whitened search for thin rings
        of 3.5-14 px radius (a centre punch's guide ring, a halo of spatter, a washer's
        print), each ring its own matched filter (a ring has no angle to search), calibrated
        on the held-back good parts (``_ring_scan``; docs/anomaly-log.md, *A ring channel*).
        ``"auto"``: with the jet channel, each ring kept only where the held-back good
        faces' maxima of its response lie under a Gaussian texture's plus 0.4 spreads (a face
        of round grains or dimples answers rings of their size itself); ``True``: every
        ring (it raises where the fit has no jet channel); ``False`` (the default): none.
        About 3-5 ms more per 256 x 256 scored.  ``info["ring_scan"]`` says "on", "on: n of
        14 rings (gate ...)" or "off", ``info["ring_scan_gate"]`` the gate's figures.
    lay_turn : {False, "auto", True}
        The jet channel's face signal whitened by the training faces' spectrum turned to each
        part's lay, for a finish whose lay turns from part to part (a broached, ground or
        superfinished face clamped at any angle), where the trained mean spectrum is every
        angle's lay at once: at fit every training periodogram is turned onto one direction
        profile and averaged; at scoring the part's lay angle is read from its spectrum's
        direction profile and that average turned by it (``_lay_turn``; docs/anomaly-log.md,
        *The training spectrum turned to each part's lay*).  ``"auto"`` (the default since
        rule 60: fresh held-outs 51 / 52 0.974 / 0.972 -> 0.987 / 0.975): only where the lay
        turns from part to part (the log share of each direction's spectral energy varies
        over the training faces by 0.22 or more); ``True``: always (a face whose lay every
        part shares has nothing to gain and lost up to 0.025 in development; it raises where
        the fit has no jet channel or fewer than two good faces with texture); ``False``:
        never.  About 2-4 ms more per 256 x 256
        scored where on (the step itself 1.8 ms; 43.7 against 39.7 ms, paired).  ``info["lay_turn"]`` says "on" or "off" and the lay's
        spread.
    """

    _json_type: ClassVar[str | None] = None
    _json_strict: ClassVar[bool] = True

    coreset_ratio: float = field(default=0.05, metadata={"min": 1e-6, "max": 1.0})
    max_bank: int = field(default=1024, metadata={"min": 1})
    max_patches: int = field(default=60_000, metadata={"min": 1})
    projection_dim: int = field(default=64, metadata={"min": 1})
    seed: int = field(default=0, metadata={"min": 0})
    patch_size: int = field(default=3, metadata={"min": 1, "max": 15})
    compress: float | None = field(default=2.0, metadata={"min": 1e-6})
    k: int = field(default=1, metadata={"min": 1})
    nn: Literal["auto", "kdtree", "brute", "faiss"] = "auto"
    image_score: Literal["topk", "max", "reweighted"] = "topk"
    top_k: int = field(default=4, metadata={"min": 1})
    reweight_neighbors: int = field(default=9, metadata={"min": 0})
    smoothing_sigma: float = field(default=4.0, metadata={"min": 0.0})
    ignore_margin_px: int = field(default=0, metadata={"min": 0})
    resize: bool = False
    aligned: bool = False
    aligned_tolerance_px: float = field(default=4.0, metadata={"min": 0.0})
    edge_band_px: float = field(default=0.0, metadata={"min": 0.0})
    line_scan: bool | Literal["auto"] = "auto"
    select: Literal["auto", "off"] = "auto"
    texture_energy: bool | Literal["auto"] = "auto"
    fusion: Literal["max", "sum", "auto", "colocated"] = "colocated"
    jet_scan: bool | Literal["auto"] = "auto"
    jet_head: bool | Literal["auto"] = False
    jet_memory: bool | Literal["auto"] = "auto"
    cnn_scan: bool = False
    comb_scan: bool | Literal["auto"] = "auto"
    chroma_scan: bool | Literal["auto"] = "auto"
    gaussianize: bool | Literal["auto", "line", "tiered"] = "tiered"
    local_rms: bool | Literal["auto"] = False
    ring_scan: bool | Literal["auto"] = False
    lay_turn: bool | Literal["auto"] = "auto"

    def __post_init__(self) -> None:
        r = self.coreset_ratio
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0 < r <= 1:
            raise InputError(f"coreset_ratio: expected a value in (0, 1], given {r!r}")
        for nm, lo in (("max_bank", 1), ("max_patches", 1), ("projection_dim", 1), ("seed", 0),
                       ("patch_size", 1), ("k", 1), ("top_k", 1), ("reweight_neighbors", 0),
                       ("ignore_margin_px", 0)):
            _int(nm, getattr(self, nm), lo)
        if self.patch_size % 2 == 0:
            raise InputError(f"patch_size: expected an odd integer, given {self.patch_size}")
        if self.compress is not None:
            _num("compress", self.compress, 0.0, strict=True)
        _num("smoothing_sigma", self.smoothing_sigma, 0.0)
        _num("aligned_tolerance_px", self.aligned_tolerance_px, 0.0)
        _num("edge_band_px", self.edge_band_px, 0.0)
        if self.nn not in _NN:
            raise InputError(f"nn: expected one of {_NN}, given {self.nn!r}")
        if self.image_score not in IMAGE_SCORES:
            raise InputError(f"image_score: expected one of {IMAGE_SCORES}, given "
                             f"{self.image_score!r}")
        for nm in ("line_scan", "texture_energy", "jet_scan", "jet_head", "jet_memory",
                   "comb_scan", "chroma_scan", "local_rms", "ring_scan", "lay_turn"):
            v = getattr(self, nm)
            if not (isinstance(v, bool) or (isinstance(v, str) and v == "auto")):
                raise InputError(f"{nm}: expected 'auto', True or False, given {v!r}")
        v = self.gaussianize
        if not (isinstance(v, bool) or (isinstance(v, str) and v in ("auto", "line", "tiered"))):
            raise InputError(f"gaussianize: expected 'line', 'tiered', 'auto', True or False, "
                             f"given {v!r}")
        for nm in ("texture_energy", "chroma_scan"):
            if getattr(self, nm) is True and self.image_score == "reweighted":
                raise InputError(f"{nm}: needs image_score 'topk' or 'max' (the reweighted "
                                 f"maximum is not on the channels' common scale)")
        if self.jet_scan is True and self.line_scan is False:
            raise InputError("jet_scan: needs the line channel (line_scan 'auto' or True), "
                             "whose face and held-back statistics it shares")
        for nm in ("comb_scan", "ring_scan", "lay_turn"):
            if getattr(self, nm) is True and self.jet_scan is False:
                raise InputError(f"{nm}: needs the jet channel (jet_scan 'auto' or True), on "
                                 f"whose face signal it scans")
        if self.gaussianize is True and self.line_scan is False:
            raise InputError("gaussianize: maps the line and jet channels' face signal; needs "
                             "the line channel (line_scan 'auto' or True)")
        if self.local_rms is True and self.line_scan is False:
            raise InputError("local_rms: divides the line and jet channels' face signal; needs "
                             "the line channel (line_scan 'auto' or True)")
        if not isinstance(self.cnn_scan, bool):
            raise InputError(f"cnn_scan: expected True or False, given {self.cnn_scan!r}")
        if self.cnn_scan is True and self.line_scan is False:
            raise InputError("cnn_scan: needs the line channel (line_scan 'auto' or True), "
                             "whose face and held-back statistics it shares")
        if not (isinstance(self.fusion, str) and self.fusion in FUSIONS):
            raise InputError(f"fusion: expected one of {FUSIONS}, given {self.fusion!r}")
        if not (isinstance(self.select, str) and self.select in SELECT_MODES):
            raise InputError(f"select: expected one of {SELECT_MODES}, given {self.select!r}")
        for nm in ("resize", "aligned"):
            if not isinstance(getattr(self, nm), bool):
                raise InputError(f"{nm}: expected True or False, given {getattr(self, nm)!r}")
        if self.line_scan is True and self.image_score == "reweighted":
            raise InputError("line_scan: needs image_score 'topk' or 'max' (the reweighted "
                             "score has no calibrated map to combine with)")
        # store canonical types (an int 1 for a float field, 60000.0 for an int field)
        for nm in ("max_bank", "max_patches", "projection_dim", "seed", "patch_size", "k",
                   "top_k", "reweight_neighbors", "ignore_margin_px"):
            object.__setattr__(self, nm, int(getattr(self, nm)))
        for nm in ("coreset_ratio", "smoothing_sigma", "aligned_tolerance_px", "edge_band_px"):
            object.__setattr__(self, nm, float(getattr(self, nm)))
        if self.compress is not None:
            object.__setattr__(self, "compress", float(self.compress))

    @classmethod
    def from_dict(cls, d: Any, *, where: str | None = None, error: type = InputError
                  ) -> "PatchCoreSettings":
        """Inverse of ``to_dict`` (unknown fields refused, missing ones take defaults); raises
        ``error`` naming ``where`` and the field."""
        return checked_from_dict(cls, d, where, error)

    def replace(self, **changes: Any) -> "PatchCoreSettings":
        """A copy with ``changes`` (unknown names raise :class:`InputError`)."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise InputError(f"unknown PatchCore setting(s) {unknown}; known: "
                             f"{[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)
