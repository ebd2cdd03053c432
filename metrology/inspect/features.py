"""Fitted features of the inspection tools (circle, ellipse, line, edge pair), with covariance.

They are defined with the tools that make them, in :mod:`metrology.caliper.features` (each tool
class says how its result becomes a feature, ``tool.to_features(result, plane)``); this module
keeps their names available where the inspection layer has always had them.

>>> from metrology.inspect.features import Feature, circle_feature
>>> Feature.__module__
'metrology.caliper.features'
"""

from ..caliper.features import (CircleFeature, EllipseFeature, Feature, LineFeature,
                                PairFeature, circle_feature, ellipse_feature,
                                feature_from_dict, line_feature, pair_feature)

__all__ = ["Feature", "CircleFeature", "EllipseFeature", "LineFeature", "PairFeature",
           "circle_feature", "line_feature", "ellipse_feature", "pair_feature",
           "feature_from_dict"]
