"""Argument checks of the teach layer's public functions and records (kept here so the
builders stay short): each raises :class:`~metrology.errors.InputError` naming the argument."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..core.checks import as_vector, check_bool, check_int, check_positive
from ..errors import InputError


def check_name(name: Any) -> None:
    """A recipe name: None or a string of at most 200 characters."""
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise InputError(f"name: expected the recipe's name (a string), given {name!r:.60}")


def check_options(options: Any, cls: type) -> Any:
    """``options`` as an instance of ``cls`` (TeachOptions; None gives the defaults)."""
    if options is None:
        return cls()
    if not isinstance(options, cls):
        raise InputError(f"options: expected {cls.__name__} or None, given "
                         f"{type(options).__name__}")
    return options


def check_features(features: Any) -> list[str]:
    """The ``features`` filter: a name or kind, or a list of them."""
    if isinstance(features, str):
        features = [features]
    if not isinstance(features, (list, tuple, set, frozenset)) \
            or not all(isinstance(f, str) for f in features):
        raise InputError(f"features: expected 'auto' or a list of feature names or kinds, "
                         f"given {features!r:.60}")
    return list(features)


def check_model_options(model_options: Any) -> dict:
    """Options for :meth:`metrology.match.ShapeModel.create` (known keywords only)."""
    import inspect

    from ..match import ShapeModel

    if model_options is None:
        return {}
    if not isinstance(model_options, Mapping):
        raise InputError(f"model_options: expected a dict of ShapeModel.create options, given "
                         f"{type(model_options).__name__}")
    known = set(inspect.signature(ShapeModel.create).parameters) - {"template", "image", "self",
                                                                    "cls"}
    unknown = [k for k in model_options if k not in known]
    if unknown:
        raise InputError(f"model_options: unknown ShapeModel.create option(s) {unknown[:5]!r:.80}"
                         f"; known: {sorted(known)}")
    return dict(model_options)


def check_edge_pair(pair: Any) -> None:
    """Fields of an :class:`~metrology.teach.proposals.EdgePair` (converted in place)."""
    for f in ("name", "first", "second"):
        if not isinstance(getattr(pair, f), str):
            raise InputError(f"EdgePair.{f}: expected a name (str)")
    object.__setattr__(pair, "p0", as_vector(pair.p0, "EdgePair.p0"))
    object.__setattr__(pair, "p1", as_vector(pair.p1, "EdgePair.p1"))
    object.__setattr__(pair, "width", check_positive(pair.width, "EdgePair.width"))
    object.__setattr__(pair, "material", check_bool(pair.material, "EdgePair.material"))


def check_proposal(p: Any, feature_cls: type, pair_cls: type) -> None:
    """Fields of a :class:`~metrology.teach.proposals.Proposal` (sequences made tuples)."""
    for f in ("features", "pairs", "measurements", "notes"):
        v = getattr(p, f)
        if isinstance(v, (str, bytes)) or not isinstance(v, (tuple, list)):
            raise InputError(f"Proposal.{f}: expected a tuple, given {type(v).__name__}")
        object.__setattr__(p, f, tuple(v))
    if not all(isinstance(x, feature_cls) for x in p.features):
        raise InputError("Proposal.features: expected FeatureSpec items")
    if not all(isinstance(x, pair_cls) for x in p.pairs):
        raise InputError("Proposal.pairs: expected EdgePair items")
    if not all(isinstance(x, dict) for x in p.measurements):
        raise InputError("Proposal.measurements: expected recipe measurement dicts")
    if not isinstance(p.tol_kinds, dict) or not all(
            isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str)
            and (v[1] is None or isinstance(v[1], float) and math.isfinite(v[1]))
            for v in p.tol_kinds.values()):
        raise InputError("Proposal.tol_kinds: expected a dict name -> (kind, leg_mm or None)")
    if p.datum is not None and (not isinstance(p.datum, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in p.datum.items())):
        raise InputError("Proposal.datum: expected None or feature names {origin, x_axis, "
                         "y_towards}")


def check_propose_args(geometry: Any, rule: Any, pair_max_mm: Any, max_hole_pairs: Any,
                       geometry_cls: type, rule_cls: type) -> tuple[float, int]:
    """Arguments of :func:`~metrology.teach.proposals.propose`."""
    if not isinstance(geometry, geometry_cls):
        raise InputError(f"geometry: expected a PartGeometry, given {type(geometry).__name__}")
    if rule is not None and not isinstance(rule, rule_cls):
        raise InputError(f"rule: expected a ToleranceRule or None, given {type(rule).__name__}")
    return (check_positive(pair_max_mm, "pair_max_mm", allow_zero=True, max=1e6),
            check_int(max_hole_pairs, "max_hole_pairs", min=0, max=1000))
