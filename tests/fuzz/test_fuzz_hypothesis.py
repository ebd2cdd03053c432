"""Hypothesis drives the hostile values (issue 12): for an entry point and one of its
parameters, a value drawn from floats (NaN, inf, subnormals, huge), integers (beyond 64 bits),
text, byte strings, nested lists and NumPy arrays of any dtype and shape, run in the fuzz
workers (time limit, crash isolation).  The library's own error or a sound result; never
another exception, a hang, a dead worker or NaN passed on silently.

By default the entry points owned here (core, image io, synth, testing, cli, data) get 60
examples; ``--runslow`` draws 600 over the whole API and reports per owner.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fuzz_owners import owner_of
from metrology.testing.fuzz import FAILURES, Case

pytestmark = pytest.mark.fuzz

_DTYPES = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8,
                           np.uint16, np.bool_, np.complex128])
HOSTILE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e300, max_value=1e300).map(lambda v: v * 1e10),
    st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.text(max_size=12),
    st.binary(max_size=8),
    st.none(),
    st.booleans(),
    st.lists(st.floats(allow_nan=True), max_size=6),
    st.lists(st.lists(st.integers(-3, 3), max_size=3), max_size=4),
    st.tuples(st.floats(), st.floats(), st.floats()),
    hnp.arrays(_DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)),
    hnp.arrays(np.float64, st.tuples(st.integers(0, 40), st.just(2)),
               elements=st.floats(allow_nan=True, allow_infinity=True)),
    hnp.arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40))),
)


def _params(report, mine: bool) -> list[tuple[str, str, str]]:
    """(entry, parameter, kind) of every fuzzed call of the session's run."""
    seen = {(r["entry"], r["param"], r["kind"]) for r in report.records
            if r["param"] not in (None, "unknown_keyword") and not r["kind"].startswith("cli")}
    return sorted(p for p in seen if not mine or owner_of(p[0]) == "harden")


def _run(pool, report, entry, param, kind, value):
    allowed = next((r.get("nan_paths", []) for r in report.records
                    if r["entry"] == entry and r["param"] is None), [])
    case = Case(entry, param, "hypothesis", kind, payload=pickle.dumps(value))
    return pool.call(("case", case, allowed), timeout=20.0)


@pytest.mark.parametrize("scope", ["harden", pytest.param("all", marks=pytest.mark.slow)])
def test_hypothesis_values(scope, fuzz_pool, fuzz_report, request):
    params = _params(fuzz_report, mine=scope == "harden")
    assert params
    found: list[str] = []
    n = 60 if scope == "harden" else 600

    @settings(max_examples=n, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(which=st.integers(0, len(params) - 1), value=HOSTILE)
    def check(which, value):
        entry, param, kind = params[which]
        res = _run(fuzz_pool, fuzz_report, entry, param, kind, value)
        if res.get("outcome") in FAILURES:
            msg = (f"{entry} [{param}={value!r:.80}] {res['outcome']} {res.get('exc')} "
                   f"{res.get('line', '')}: {res.get('message', '')[:160]}")
            found.append(msg)
            if scope == "harden":
                raise AssertionError(msg)

    check()
    if scope == "all" and found:
        by_owner: dict[str, int] = {}
        for m in found:
            by_owner[owner_of(m.split()[0])] = by_owner.get(owner_of(m.split()[0]), 0) + 1
        # other owners' findings are listed (they are in the triage file), not failed on
        mine = [m for m in found if owner_of(m.split()[0]) == "harden"]
        assert not mine, "\n".join(mine[:20])
        print(f"hypothesis findings by owner: {by_owner}")
