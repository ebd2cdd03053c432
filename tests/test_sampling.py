"""The covering sample the default run takes of the long generator sweeps (tests/sampling.py):
a sample that silently shrank would leave layouts or textures untested."""

from __future__ import annotations

import pytest

from tests import sampling


@pytest.fixture
def sampled(monkeypatch):
    monkeypatch.setattr(sampling, "FULL", False)


@pytest.mark.parametrize("n, m", [(37, 40), (40, 37), (5, 5), (1, 9), (9, 1), (3, 2)])
def test_every_item_meets_two_partners(sampled, n, m):
    first, second = [f"a{i}" for i in range(n)], [f"b{j}" for j in range(m)]
    pairs = sampling.covering_pairs(first, second)
    assert len(pairs) == len(set(pairs)) and set(pairs) <= {(a, b) for a in first for b in second}
    for a in first:                 # two different partners at least, where the other list has two
        assert len({b for x, b in pairs if x == a}) >= min(2, m), a
    for b in second:
        assert len({a for a, y in pairs if y == b}) >= min(2, n), b
    assert len(pairs) <= 2 * max(n, m)          # a sample, not the product


def test_runslow_takes_the_whole_product_and_every_seed(monkeypatch):
    monkeypatch.setattr(sampling, "FULL", True)
    assert sampling.covering_pairs([1, 2, 3], "xy") == [(a, b) for a in (1, 2, 3) for b in "xy"]
    assert sampling.seeds_for("hub", 3) == [0, 1, 2]


def test_one_seed_per_key_and_keys_differ(sampled):
    seeds = {k: sampling.seeds_for(k, 3) for k in ("hub", "dshim", "handhole", "plate", "rail")}
    assert all(len(s) == 1 and 0 <= s[0] < 3 for s in seeds.values())
    assert len({s[0] for s in seeds.values()}) > 1           # layouts try different seeds


def test_sample_takes_k_distinct_items_in_order_and_keys_differ(sampled):
    for n in (4, 5, 8, 12):
        for k in (1, 2, 3):
            for key in ("blister", "swarf", "kink", "pigtail"):
                got = sampling.sample(range(n), k, key)
                assert len(got) == k == len(set(got)) and got == sorted(got), (n, k, key)
                assert set(got) <= set(range(n))
    assert sampling.sample([3, 1], 2, "x") == [3, 1] == sampling.sample([3, 1], 5, "x")
    picks = {key: tuple(sampling.sample(range(8), 2, key))
             for key in ("blister", "swarf", "kink", "pigtail", "chip")}
    assert len(set(picks.values())) > 1                    # different tests try different seeds


def test_sample_under_runslow_is_everything(monkeypatch):
    monkeypatch.setattr(sampling, "FULL", True)
    assert sampling.sample(range(8), 2, "swarf") == list(range(8))
    assert sampling.sample("abc", 1, "x") == ["a", "b", "c"]


def test_two_of_six_are_one_odd_one_even(sampled):
    # held-out 25's crescent shading turns the crescent by the seed's parity: its two seeds
    # must take both
    for key in ("crescent shading", "a", "bb", "ccc", "dddd", "eeeee", "ffffff"):
        assert {r % 2 for r in sampling.sample(range(6), 2, key)} == {0, 1}, key
