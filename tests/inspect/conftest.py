"""Fixtures of the inspection tests.

``start_method``: set :mod:`multiprocessing`'s start method for one test, restored afterwards
(the batch runner follows it; see ``metrology.inspect._batch_procs.resolve_start``).
"""

from __future__ import annotations

import multiprocessing

import pytest


@pytest.fixture()
def start_method():
    """``start_method(name)`` sets the method (None: unset) until the test ends."""
    before = multiprocessing.get_start_method(allow_none=True)

    def set_it(name):
        multiprocessing.set_start_method(name, force=True)

    yield set_it
    multiprocessing.set_start_method(before, force=True)
