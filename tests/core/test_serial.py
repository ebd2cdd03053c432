"""The one serialiser (`metrology._serial`): JSON round trips of every result type, NaN fields
included, and the checks on the way back (wrong types, ragged arrays, 1e400, missing fields)."""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import pkgutil
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import metrology
from metrology._serial import Serializable, from_jsonable, json_fields, to_jsonable
from metrology.errors import FileFormatError, InputError, MetrologyError

# --------------------------------------------------------------------------------------------
# every Serializable in the package


def _import_all() -> None:
    for mod in pkgutil.walk_packages(metrology.__path__, "metrology."):
        if "torch" in mod.name:          # optional extra; its types are covered where installed
            continue
        try:
            importlib.import_module(mod.name)
        except ImportError:              # an optional dependency that is not installed
            continue


def _all_serializable() -> list[type]:
    _import_all()
    out, todo = [], list(Serializable.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if dataclasses.is_dataclass(cls) and cls.__module__.startswith("metrology."):
            out.append(cls)
    return sorted(set(out), key=lambda c: f"{c.__module__}.{c.__qualname__}")


_FLOATS = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan))


def _array(meta: typing.Mapping) -> st.SearchStrategy:
    dtype = np.dtype(meta.get("dtype", np.float64))
    shape = meta.get("shape")
    if shape is None:
        dims = st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple)
    else:
        dims = st.tuples(*[st.just(s) if s is not None else st.integers(0, 4) for s in shape])
    if dtype.kind == "b":
        elems = st.booleans()
    elif dtype.kind in "iu":
        elems = st.integers(0 if dtype.kind == "u" else -1000, 1000)
    else:
        lo, hi = meta.get("min", -1e6), meta.get("max", 1e6)
        elems = st.one_of(st.floats(lo, hi, allow_nan=False), st.just(math.nan))
    return dims.flatmap(lambda s: st.lists(elems, min_size=int(np.prod(s)),
                                           max_size=int(np.prod(s))).map(
        lambda v, s=s: np.asarray(v, dtype=dtype).reshape(s)))


def _strategy(tp: Any, meta: typing.Mapping) -> st.SearchStrategy:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is float:
        lo, hi = meta.get("min", -1e6), meta.get("max", 1e6)
        return st.one_of(st.floats(lo, hi, allow_nan=False), st.just(math.nan))
    if tp is int:
        return st.integers(meta.get("min", -1000), meta.get("max", 1000))
    if tp is bool:
        return st.booleans()
    if tp is str:
        return st.text(max_size=8)
    if tp is type(None):
        return st.none()
    if tp is np.ndarray:
        return _array(meta)
    if origin is Literal:
        return st.sampled_from(args)
    if origin is typing.Union or str(type(tp)) == "<class 'types.UnionType'>":
        return st.one_of(*[_strategy(a, meta) for a in args])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_strategy(args[0], meta), max_size=3).map(tuple)
        return st.tuples(*[_strategy(a, meta) for a in args])
    if origin is list:
        return st.lists(_strategy(args[0] if args else Any, meta), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=5), _strategy(args[1], meta), max_size=3)
    if isinstance(tp, type) and issubclass(tp, Serializable):
        return instances(tp)
    if tp is Any:
        return st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=4))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):    # e.g. Pose2D inside Match
        return _plain_dataclass(tp, lambda t, m: _strategy(t, m))
    raise pytest.skip.Exception(f"no strategy for {tp!r}")


def _fits(cls: type) -> st.SearchStrategy:
    """Fit results as the fits make them (field shapes and NaN follow ``ok``): a single set or
    a batch of noisy points on random shapes, some sets too small or degenerate to fit."""
    from metrology.core import CircleFit, EllipseFit, LineFit, fit_circle, fit_ellipse, fit_line

    fit = {LineFit: fit_line, CircleFit: fit_circle, EllipseFit: fit_ellipse}[cls]

    @st.composite
    def draw(d):
        b = d(st.sampled_from([(), (2,), (1, 3)]))
        n = d(st.integers(6, 12))
        rng = np.random.default_rng(d(st.integers(0, 2 ** 32 - 1)))
        t = rng.uniform(0, 2 * np.pi, b + (n,))
        a, e = rng.uniform(5, 50, b + (1,)), rng.uniform(0.3, 1.0, b + (1,))
        pts = np.stack([a * np.cos(t), a * e * np.sin(t)], -1) + rng.normal(0, 0.1, b + (n, 2))
        w = (rng.random(b + (n,)) > d(st.sampled_from([0.0, 0.5, 0.95]))).astype(float)
        if b and d(st.booleans()):
            w[(0,) * len(b)] = 0.0                      # one item fails: ok False, NaN fields
        try:
            return fit(pts, weights=w)
        except MetrologyError:
            reject()
    return draw()


#: Fields restricted (names, ranges) by their class's own checks.
_CHOICES = {"Threshold": {"method": st.sampled_from(["quantile", "max_margin"]),
                          "quantile": st.floats(0.01, 1.0), "margin": st.floats(0.0, 10.0),
                          "n_images": st.integers(1, 500), "good_std": st.floats(0.0, 5.0),
                          "false_alarm_rate": st.floats(0.0, 1.0)}}


def _tame(tp: Any, meta: typing.Mapping, n: int) -> st.SearchStrategy:
    """Plain values a class's checks accept: finite numbers in [0.01, 1] (inside the field's
    range), small counts, and arrays whose free dimensions all share one length ``n`` (so
    ``corners_xy (N, 2)`` and ``corner_ok (N,)`` agree)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is float:
        lo, hi = max(meta.get("min", 0.01), 0.01), min(meta.get("max", 1.0), 1.0)
        return st.floats(lo, max(lo, hi))
    if tp is int:
        lo = max(meta.get("min", 1), 1)
        return st.integers(lo, max(lo, min(meta.get("max", 8), 8)))
    if tp is str:
        return st.text("abcxyz", min_size=1, max_size=6)
    if tp is np.ndarray:
        dtype = np.dtype(meta.get("dtype", np.float64))
        shape = tuple(n if s is None else s for s in meta.get("shape", (None,)))
        size = int(np.prod(shape))
        elems = (st.booleans() if dtype.kind == "b" else
                 st.integers(0, 5) if dtype.kind in "iu" else st.floats(0.01, 1.0))
        return st.lists(elems, min_size=size, max_size=size).map(
            lambda v: np.asarray(v, dtype=dtype).reshape(shape))
    if origin is typing.Union or str(type(tp)) == "<class 'types.UnionType'>":
        return st.one_of(*[_tame(a, meta, n) for a in args])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(_tame(args[0], meta, n), min_size=n, max_size=n).map(tuple)
        return st.tuples(*[_tame(a, meta, n) for a in args])
    if origin is list:
        return st.lists(_tame(args[0] if args else Any, meta, n), max_size=min(n, 2))
    if origin is dict:
        return st.just({})
    if tp is Any:
        return st.none()
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and \
            not issubclass(tp, Serializable):
        return _plain_dataclass(tp, lambda t, m: _tame(t, m, n))
    return _strategy(tp, meta)


def _plain_dataclass(tp: type, strategy) -> st.SearchStrategy:
    """A dataclass that is not itself Serializable (``Pose2D``), from its fields' strategies;
    values its checks refuse are rejected."""
    hints = typing.get_type_hints(tp)

    def build(values):
        try:
            return tp(**values)
        except (MetrologyError, ValueError, TypeError):
            reject()
    return st.fixed_dictionaries({f.name: strategy(hints[f.name], f.metadata)
                                  for f in dataclasses.fields(tp) if f.init}).map(build)


#: Free array dimension shared by the tame values of one instance (0 included: empty results).
_FREE_DIM = st.integers(0, 4)


def instances(cls: type) -> st.SearchStrategy:
    """Instances of a Serializable dataclass built from its annotations; fit results are made
    by the fits.

    Each draw builds wild values (NaN, negative, random shapes, empty strings) and tame ones
    every check accepts; the instance is built from the wild values when the class's own
    checks accept them, else from the tame values with up to three fields wild, else from the
    tame values alone.
    Drawing every field wild (as before) made most classes reject 95-100 % of the draws: the
    round trip then cost 60-95 s loaded and saw one to three instances of a class."""
    if cls.__module__ == "metrology.core.results":
        return _fits(cls)
    hints = typing.get_type_hints(cls)
    fields = json_fields(cls)
    choices = _CHOICES.get(cls.__qualname__, {})
    wild = {f.name: choices[f.name] if f.name in choices else _strategy(hints[f.name], f.metadata)
            for f in fields}
    # the tame strategies of each free dimension, built on its first draw and kept (not again
    # on every draw, nested result types included)
    tame_of: dict[int, dict[str, st.SearchStrategy]] = {}

    @st.composite
    def draw(d):
        n = d(_FREE_DIM)
        if n not in tame_of:
            tame_of[n] = {f.name: choices[f.name] if f.name in choices else
                          _tame(hints[f.name], f.metadata, n) for f in fields}
        tame = {k: d(v) for k, v in tame_of[n].items()}
        every = {k: d(v) for k, v in wild.items()}
        chosen = d(st.sets(st.sampled_from(sorted(wild)), max_size=3)) if wild else set()
        mixed = {**tame, **{k: every[k] for k in chosen}}
        for values in (every, mixed, tame):
            try:
                return cls(**values)
            except (MetrologyError, ValueError, TypeError):
                continue
        reject()
    return draw()


def _json_roundtrip(d: dict) -> dict:
    return json.loads(json.dumps(d, allow_nan=False))


def examples(config: pytest.Config, default: int) -> int:
    """Examples per result type: ``default`` in the suite, 8x under ``--runslow``."""
    return default * 8 if config.getoption("--runslow") else default


@pytest.mark.parametrize("cls", _all_serializable(), ids=lambda c: c.__qualname__)
def test_every_result_type_round_trips_through_json(cls, request):
    @settings(max_examples=examples(request.config, 25),
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(instances(cls))
    def check(obj):
        d = _json_roundtrip(obj.to_dict())
        back = cls.from_dict(d)
        assert type(back) is cls
        assert _json_roundtrip(back.to_dict()) == d
    check()


def test_the_package_has_serializable_result_types():
    names = {c.__name__ for c in _all_serializable()}
    assert {"LineFit", "CircleFit", "EllipseFit"} <= names


# --------------------------------------------------------------------------------------------
# the mechanism on a type of its own


@dataclass(frozen=True)
class _Inner(Serializable):
    xy: np.ndarray = field(metadata={"shape": (2,)})
    ok: bool = True


@dataclass(frozen=True)
class _Outer(Serializable):
    name: str
    inner: _Inner
    values: np.ndarray
    mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), metadata={"dtype": "bool"})
    radius: float = field(default=1.0, metadata={"min": 0.0})
    count: int = 0
    span: tuple[float, float] = (0.0, 360.0)
    note: str | None = None
    either: float | np.ndarray = math.nan
    items: list[_Inner] = field(default_factory=list)
    table: dict[str, float] = field(default_factory=dict)
    mode: Literal["a", "b"] = "a"
    cache: Any = field(default=None, metadata={"json": False})


def _outer() -> _Outer:
    return _Outer("x", _Inner(np.array([1.0, np.nan])), np.array([[1.0, np.inf], [3, 4]]),
                  mask=np.array([True, False]), either=np.array([1.0, 2.0]),
                  items=[_Inner(np.array([0.0, 1.0]), ok=False)], table={"a": math.nan},
                  cache=object())


def test_to_dict_is_plain_json_with_nan_as_null():
    d = _outer().to_dict()
    assert d["type"] == "_Outer" and "cache" not in d
    assert d["inner"] == {"type": "_Inner", "xy": [1.0, None], "ok": True}
    assert d["values"] == [[1.0, None], [3.0, 4.0]]
    assert d["table"] == {"a": None} and d["span"] == [0.0, 360.0]
    json.dumps(d, allow_nan=False)


def test_from_dict_restores_types_nan_and_nested_results():
    back = _Outer.from_dict(_json_roundtrip(_outer().to_dict()))
    assert isinstance(back.inner, _Inner) and math.isnan(back.inner.xy[1])
    assert back.mask.dtype == bool and back.mask.tolist() == [True, False]
    assert isinstance(back.either, np.ndarray) and back.span == (0.0, 360.0)
    assert isinstance(back.items[0], _Inner) and back.items[0].ok is False
    assert math.isnan(back.table["a"]) and back.cache is None
    # NaN where there was inf: JSON has neither, null stands for "no value"
    assert math.isnan(back.values[0, 1])


@pytest.mark.parametrize("patch, message", [
    ({"name": 3}, "_Outer.name: expected a string, given 3"),
    ({"radius": "1"}, "_Outer.radius: expected a number, given '1'"),
    ({"radius": 1e400}, "_Outer.radius: expected a finite number"),
    ({"radius": -1.0}, "_Outer.radius: must be >= 0.0"),
    ({"radius": True}, "_Outer.radius: expected a number, given True"),
    ({"count": 1.5}, "_Outer.count: expected an integer"),
    ({"count": 10 ** 400}, None),
    ({"span": [1.0]}, "_Outer.span: expected 2 values, given 1"),
    ({"values": [[1.0], [1.0, 2.0]]}, "_Outer.values: expected a rectangular array"),
    ({"values": [[1.0, "a"]]}, "_Outer.values: expected numbers, given text ('a')"),
    ({"values": [1e400]}, "_Outer.values: expected finite numbers"),
    ({"values": {"a": 1}}, "_Outer.values: expected an array"),
    ({"mask": [1, 0]}, "_Outer.mask: expected true/false values"),
    ({"inner": {"xy": [1.0, 2.0, 3.0]}}, "_Outer.inner.xy: expected shape (2,), given (3,)"),
    ({"inner": {"type": "Other", "xy": [1, 2]}}, "_Outer.inner: expected a '_Inner' object"),
    ({"inner": [1, 2]}, "_Outer.inner: expected a mapping, given a list"),
    ({"items": [{"xy": [1, 2]}, {"xy": None}]}, "_Outer.items[1].xy: expected shape (2,)"),
    ({"table": {"a": "b"}}, "_Outer.table.a: expected a number"),
    ({"mode": "c"}, "_Outer.mode: expected one of ['a', 'b']"),
    ({"note": 5}, "_Outer.note: expected a string"),
])
def test_bad_fields_raise_the_callers_error_naming_the_field(patch, message):
    d = {**_json_roundtrip(_outer().to_dict()), **patch}
    with pytest.raises(FileFormatError) as exc:
        _Outer.from_dict(d, error=FileFormatError)
    if message:
        assert message in str(exc.value)


def test_missing_required_field_and_wrong_container():
    with pytest.raises(InputError, match="missing field 'values'"):
        _Outer.from_dict({"name": "x", "inner": {"xy": [0, 0]}})
    with pytest.raises(InputError, match="expected a mapping"):
        _Outer.from_dict([1, 2])


def test_deep_nesting_is_refused_not_a_recursion_error():
    deep: Any = 1.0
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(InputError):
        from_jsonable(np.ndarray, deep, "x")


def test_to_jsonable_refuses_unknown_objects():
    assert to_jsonable({"p": np.float32(np.nan), "q": np.arange(3)}) == {"p": None, "q": [0, 1, 2]}
    with pytest.raises(InputError, match="cannot turn a object into JSON"):
        to_jsonable(object())


@pytest.mark.parametrize("name, value, match", [
    ("radius", None, "non-finite for a fit marked ok"),
    ("center_std_px", [None, 1.0], "non-finite for a fit marked ok"),
    ("center_xy", [1.0, 2.0, 3.0], "expected shape"),
    ("covariance", [[1.0]], "expected shape"),
    ("inliers", True, "inliers"),
    ("n_points", [5, 6], "expected shape"),
])
def test_fit_results_are_checked_for_consistency_on_load(name, value, match):
    from metrology.core import CircleFit, fit_circle

    t = np.linspace(0, 2 * np.pi, 9, endpoint=False)
    d = fit_circle(np.c_[np.cos(t), np.sin(t)] * 5 + 0.01 * np.sin(3 * t)[:, None]).to_dict()
    CircleFit.from_dict(d)
    with pytest.raises(FileFormatError, match=match):
        CircleFit.from_dict({**d, name: value}, where="circle", error=FileFormatError)


def test_to_jsonable_plain_trees_and_their_subclasses_alike():
    """Plain dicts, lists and floats take a fast path by exact type; subclasses (an
    OrderedDict, a str or float subclass, a named tuple) and NumPy values come out the same."""
    from collections import OrderedDict, namedtuple

    class Name(str):
        pass

    class Real(float):
        pass

    P = namedtuple("P", "x y")
    plain = {"a": [1.5, float("nan"), -float("inf"), 2, True, None, "s", (3, 4.0)], 7: {"b": []}}
    fancy = OrderedDict([(Name("a"), [Real(1.5), np.float64(np.nan), np.float32(-np.inf),
                                      np.int32(2), np.bool_(True), None, Name("s"),
                                      P(3, np.float16(4.0))]), (np.int64(7), {"b": ()})])
    want = {"a": [1.5, None, None, 2, True, None, "s", [3, 4.0]], "7": {"b": []}}
    assert to_jsonable(plain) == want and to_jsonable(fancy) == want
    got = to_jsonable(fancy)["a"]
    assert [type(v) for v in got[:6] + got[7:]] == [float, type(None), type(None), int, bool,
                                                    type(None), list]
    assert type(next(iter(to_jsonable(fancy)))) is str      # keys become plain str
