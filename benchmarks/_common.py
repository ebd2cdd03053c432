"""Shared helpers for the benchmarks: timing by median and the row every benchmark returns."""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Row:
    """One line of the benchmark table: our figure beside a peer's, measured in the same run.

    ``ours_ms`` / ``peer_ms`` are median wall times in milliseconds; ``ratio`` is peer / ours
    (above 1 means we are faster).  ``accuracy`` holds free-form accuracy figures printed beside
    the time (e.g. ``"ours 0.003 px, peer 0.05 px"``).
    """

    name: str
    ours_ms: float
    peer: str
    peer_ms: float
    accuracy: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.peer_ms / self.ours_ms if self.ours_ms > 0 else float("nan")


def median_ms(fn: Callable[[], object], repeat: int = 7, warmup: int = 1,
              clock: Callable[[], float] = time.perf_counter) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeat`` runs after ``warmup`` runs
    (``clock=time.process_time``: CPU time of the process instead)."""
    for _ in range(warmup):
        fn()
    times = []
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = clock()
            fn()
            times.append((clock() - t0) * 1e3)
    finally:
        gc.enable()
    return statistics.median(times)
