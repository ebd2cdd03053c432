"""Which cases of a long generator sweep a test run takes.

The default run (the README's test command, CI) takes a fixed covering sample of a cross
product; ``--runslow`` takes all of it (``conftest.pytest_configure`` sets :data:`FULL` before
collection, so the sweeps are parametrized by it).  The sweeps grow with every held-out set: the
layouts times the textures, each layout times every defect kind.
"""

from __future__ import annotations

#: every case (``--runslow``), or the covering sample (the default)
FULL = False


def covering_pairs(first: list, second: list, per: int = 2) -> list[tuple]:
    """Pairs of ``first`` x ``second`` such that every item of each list meets ``per``
    different partners (when the other list has that many), in a fixed order; under
    :data:`FULL` the whole cross product."""
    if FULL:
        return [(a, b) for a in first for b in second]
    n, m = len(first), len(second)
    out: list[tuple] = []
    for k in range(per):
        shift = k * m // per
        for i in range(max(n, m)):
            pair = (first[i % n], second[(i + shift) % m])
            if pair not in out:
                out.append(pair)
    return out


def seeds_for(key: str, n: int) -> list[int]:
    """The seeds ``0 .. n-1`` under :data:`FULL`; otherwise one of them, chosen by ``key``
    (a layout's name), so that different layouts try different seeds."""
    if FULL:
        return list(range(n))
    return [sum(key.encode()) % n]


def sample(seq, k: int, key: str) -> list:
    """All of ``seq`` under :data:`FULL`; otherwise ``k`` of its items (all of them when it
    has no more than ``k``), in their order, chosen by ``key`` (a test's name): a seed loop
    that asserts the same property of every seed runs a few seeds by default, different tests
    trying different ones, and every seed under ``--runslow``."""
    items = list(seq)
    if FULL or len(items) <= k:
        return items
    start = sum(key.encode()) % len(items)
    step = len(items) // k
    return [items[i] for i in sorted((start + j * step) % len(items) for j in range(k))]
