"""Start-up of the ``metrology`` command (issue 16: ``metrology --help`` < 0.3 s).

Each figure is the median wall time of a fresh interpreter running the command, beside the peer
``python -c pass`` (the interpreter's own start-up, the floor) in the same run.  The ratio here
is ours / floor's inverse as elsewhere (peer / ours), so 0.5 means twice the floor.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import Row


def _median_run_ms(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], check=False, capture_output=True)
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run(quick: bool = False) -> list[Row]:
    repeat = 5 if quick else 15
    floor = _median_run_ms(["-c", "pass"], repeat)
    rows = []
    for label, args in [("metrology --help", ["-m", "metrology", "--help"]),
                        ("metrology --version", ["-m", "metrology", "--version"]),
                        ("metrology calibrate --help", ["-m", "metrology", "calibrate", "--help"])]:
        rows.append(Row(name=f"cli start-up: {label}", ours_ms=_median_run_ms(args, repeat),
                        peer="python -c pass", peer_ms=floor))
    return rows
