"""Run every benchmark and print one table: ours, the peer's, the ratio, accuracy beside time.

Each ``benchmarks/bench_*.py`` module defines ``run(quick: bool) -> list[Row]``.

Usage::

    python benchmarks/run.py            # all benchmarks
    python benchmarks/run.py circle     # only modules whose name contains "circle"
    python benchmarks/run.py --quick    # fewer repetitions (smoke run)

Machines are noisy: figures are medians, and the ratio (peer / ours, measured in the same
process) is the number to quote.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import Row  # noqa: E402


def discover(filters: list[str]) -> list[Path]:
    files = sorted(HERE.glob("bench_*.py"))
    if filters:
        files = [f for f in files if any(s in f.stem for s in filters)]
    return files


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def format_table(rows: list[Row]) -> str:
    head = f"{'benchmark':44s} {'ours ms':>10s} {'peer':28s} {'peer ms':>10s} {'ratio':>7s}  accuracy"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.name[:44]:44s} {r.ours_ms:10.3f} {r.peer[:28]:28s} {r.peer_ms:10.3f} "
                     f"{r.ratio:6.1f}x  {r.accuracy}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("filters", nargs="*", help="substrings of benchmark module names")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = ap.parse_args(argv)
    rows: list[Row] = []
    for path in discover(args.filters):
        print(f"# {path.stem} ...", file=sys.stderr, flush=True)
        rows.extend(load(path).run(quick=args.quick))
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}")
    print(format_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [dict(r.__dict__, ratio=r.ratio) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
