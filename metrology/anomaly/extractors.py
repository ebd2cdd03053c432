"""Feature extractors by name, and rebuilt from the configuration a bank records.

``"classical"`` is :class:`~metrology.anomaly.ClassicalFeatures` (NumPy/OpenCV);
``"efficientnet-lite0"`` is :class:`~metrology.anomaly.efficientnet.EfficientNetFeatures`
(extra ``[deep]``: torch and the offline weights packages), ``"efficientnet-lite1"`` and
``"efficientnet-lite2"`` the same with the deeper models; a saved ``"torch"`` extractor is a
ResNet from a weights file you supply (:class:`~metrology.anomaly.TorchFeatures`).
"""

from __future__ import annotations

from typing import Any

from ..errors import FileFormatError, InputError
from .base import FeatureExtractor
from .features import ClassicalFeatures

#: extractor_from_config and check_same_extractor are the bank file's helpers: importable, not
#: public API
__all__ = ["FEATURE_NAMES", "make_extractor"]

#: feature extractors known by name
FEATURE_NAMES = ("classical", "efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")
_LITE = FEATURE_NAMES[1:]


def make_extractor(features: Any) -> FeatureExtractor:
    """An extractor from a name in :data:`FEATURE_NAMES` or an extractor object (checked)."""
    if isinstance(features, str):
        if features == "classical":
            return ClassicalFeatures()
        if features in _LITE:
            from .efficientnet import EfficientNetFeatures

            return EfficientNetFeatures(variant=features)
        raise InputError(f"features: expected one of {FEATURE_NAMES} or a feature extractor "
                         f"object, given {features!r} (a ResNet from your own weights file: "
                         f"metrology.anomaly.TorchFeatures(...))")
    if not (callable(features) and hasattr(features, "stride") and hasattr(features, "config")):
        raise InputError(f"features: expected one of {FEATURE_NAMES} or an object with "
                         f"__call__, stride and config(), given {type(features).__name__}")
    return features


def extractor_from_config(cfg: dict, where: str) -> FeatureExtractor:
    """Rebuild the extractor a bank was built with.

    Raises
    ------
    FileFormatError
        Unknown or invalid configuration, or pretrained weights whose sha256 differs from the
        recorded one.
    MissingDependencyError
        The extractor needs an extra that is not installed (names the extra).
    """
    name = cfg.get("name")
    try:
        if name == "classical":
            return ClassicalFeatures.from_config(cfg)
        if name in _LITE:
            from .efficientnet import EfficientNetFeatures

            return EfficientNetFeatures.from_config(cfg)
        if name == "torch":  # a missing weights file or torch stays a clear InputError / extra
            from .torch_features import TorchFeatures

            return TorchFeatures.from_config(cfg)
    except FileFormatError as exc:
        raise FileFormatError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise FileFormatError(f"{where}: field 'features' is invalid ({exc})") from None
    except InputError as exc:
        if name == "torch":
            raise
        raise FileFormatError(f"{where}: field 'features' is invalid ({exc})") from None
    raise FileFormatError(f"{where}: the bank was built with feature extractor {name!r}; pass "
                          f"the same extractor: PatchCore.load(path, features=...)")


def check_same_extractor(saved: dict, given: FeatureExtractor, where: str) -> None:
    """FileFormatError unless ``given`` is configured as the bank's recorded extractor."""
    have = given.config()
    if have.get("name") != saved.get("name"):
        raise FileFormatError(f"{where}: the bank was built with feature extractor "
                              f"{saved.get('name')!r}, given {have.get('name')!r}")
    if saved.get("weights_sha256") != have.get("weights_sha256"):
        raise FileFormatError(f"{where}: the bank was built with {saved.get('name')} weights of "
                              f"sha256 {str(saved.get('weights_sha256'))[:12]}..., the given "
                              f"extractor has {str(have.get('weights_sha256'))[:12]}...")
    diff = sorted(k for k in set(saved) | set(have) if saved.get(k) != have.get(k))
    if diff:
        raise FileFormatError(f"{where}: the given {have.get('name')} extractor differs from "
                              f"the one the bank was built with in {diff}")
