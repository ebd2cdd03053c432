"""Run the fuzz suite's harness outside pytest and write the triage list (markdown + JSON).

    python scripts/fuzz_report.py --out /work/notes/fuzz-triage.md [--full] [--cli-sample 40]

The API part uses ``tests/fuzz/examples.py``; the command-line part fuzzes every subcommand.
Figures at the top: entry points fuzzed, calls, crashes outside the error tree, hangs, deaths,
silent NaN.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from metrology.testing.fuzz import WorkerPool, cli_commands, discover, run_cli_fuzz, run_fuzz

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--sample", type=int, default=6)
    ap.add_argument("--cli-sample", type=int, default=40)
    ap.add_argument("--api-json", help="reuse an API run written by the fuzz CLI (--json)")
    a = ap.parse_args(argv)
    examples = ROOT / "tests" / "fuzz" / "examples.py"
    with WorkerPool(2, examples=examples) as pool:
        if a.api_json:
            from metrology.testing.fuzz import FuzzReport

            d = json.loads(Path(a.api_json).read_text())
            api = FuzzReport(d["records"], d["broken"], d["skipped"], d["entries"],
                             d.get("seconds", 0.0), d.get("generic", {}))
        else:
            api = run_fuzz(discover("metrology", exclude_modules=("metrology.testing.fuzz",)),
                           mode="full" if a.full else "sample", sample=a.sample, pool=pool)
        cli = run_cli_fuzz(list(cli_commands()), mode="sample", sample=a.cli_sample,
                           pool=pool)
    out = Path(a.out)
    out.write_text("## API\n\n" + api.to_markdown() + "\n\n## Command line\n\n"
                   + cli.to_markdown() + "\n")
    out.with_suffix(".json").write_text(json.dumps({"api": json.loads(api.to_json()),
                                                    "cli": json.loads(cli.to_json())}))
    print(json.dumps({"api": api.figures(), "cli": cli.figures()}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
