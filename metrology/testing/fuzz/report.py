"""Whole runs and their report (figures and the triage list)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Sequence

from .entries import EntryPoint, FAILURES, _SELF_MODULES, discover
from .registry import load_registry
from .commands import cli_commands
from ._checks import check_int, check_positive
from ...errors import InputError
from .workers import WorkerPool, _worker_main


@dataclasses.dataclass
class FuzzReport:
    """Outcome records of a run (one dict per call) plus planning problems."""

    records: list[dict]
    broken: dict[str, str]
    skipped: dict[str, str]
    entries: list[str]
    seconds: float = 0.0
    generic: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.records, list) or not all(
                isinstance(r, dict) and isinstance(r.get("outcome"), str)
                and isinstance(r.get("entry"), str) for r in self.records):
            raise InputError("FuzzReport.records: expected a list of outcome records (dicts "
                             "with 'entry' and 'outcome')")
        for f in ("broken", "skipped"):
            if not isinstance(getattr(self, f), dict):
                raise InputError(f"FuzzReport.{f}: expected a mapping")
        if not isinstance(self.entries, list) or not all(isinstance(e, str)
                                                          for e in self.entries):
            raise InputError("FuzzReport.entries: expected a list of names")
        for r in self.records:
            for k in ("area", "param", "value", "exc", "message", "line"):
                r.setdefault(k, "" if k != "param" else None)
            for k in ("area", "value", "exc", "message", "line"):
                r[k] = str(r[k])

    def failures(self) -> list[dict]:
        """Records whose outcome is a failure (crash, nan, hang, died)."""
        return [r for r in self.records if r["outcome"] in FAILURES]

    def figures(self) -> dict[str, int]:
        """Entry points fuzzed, calls, and failures by class."""
        fails = self.failures()
        c = Counter(r["outcome"] for r in self.records)
        return {"entry_points": len(self.entries), "calls": len(self.records),
                "crashes": c["crash"], "crash_entry_points": len({r["entry"] for r in fails
                                                                 if r["outcome"] == "crash"}),
                "crash_lines": len({r["line"] for r in fails if r["outcome"] == "crash"}),
                "hangs": c["hang"], "died": c["died"], "silent_nan": c["nan"],
                "errors": c["error"], "returned": c["returned"], "broken": len(self.broken),
                "no_example": len(self.generic)}

    def to_markdown(self) -> str:
        """Triage list: per area, each failing entry point, input class, exception, line."""
        f = self.figures()
        lines = [f"Entry points fuzzed: {f['entry_points']}; calls: {f['calls']}; crashes "
                 f"outside the error tree: {f['crashes']} in {f['crash_entry_points']} entry "
                 f"points ({f['crash_lines']} distinct lines); hangs: {f['hangs']}; "
                 f"died: {f['died']}; silent NaN: {f['silent_nan']}; example broken: "
                 f"{f['broken']}; fuzzed with the generic battery only (no valid example): "
                 f"{f['no_example']}.", ""]
        by_area: dict[str, list[dict]] = defaultdict(list)
        for r in self.failures():
            by_area[r["area"]].append(r)
        for area in sorted(by_area):
            lines.append(f"### {area}")
            lines.append("")
            groups: dict[tuple, list[dict]] = defaultdict(list)
            for r in by_area[area]:
                groups[(r["entry"], r["outcome"], r["exc"], r["line"])].append(r)
            for (entry, outcome, exc, line), rs in sorted(groups.items()):
                inputs = ", ".join(sorted({f"{r['param']}={r['value']}" for r in rs})[:8])
                more = "" if len(rs) <= 8 else f" (+{len(rs) - 8} more)"
                msg = rs[0]["message"].replace("\n", " ")[:160]
                where = f" at `{line}`" if line else ""
                lines.append(f"- `{entry}` [{outcome}] {exc}{where}: {msg} — inputs: "
                             f"{inputs}{more}")
            lines.append("")
        if self.broken:
            lines.append("### no valid example / harness could not build the call")
            lines.append("")
            for k, v in sorted(self.broken.items()):
                lines.append(f"- `{k}`: {v}")
            lines.append("")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"figures": self.figures(), "records": self.records,
                           "broken": self.broken, "skipped": self.skipped,
                           "generic": self.generic,
                           "entries": self.entries, "seconds": self.seconds}, indent=1,
                          default=str)


def run_fuzz(entries: Sequence[EntryPoint], *, examples: str | os.PathLike | None = None,
             mode: str = "sample", sample: int = 6, seed: int = 0, timeout: float = 15.0,
             pool: WorkerPool | None = None, progress: Callable[[str], None] | None = None,
             on_record: Callable[[dict], None] | None = None,
             cases: Sequence[str] = ()) -> FuzzReport:
    """Fuzz ``entries`` (e.g. ``discover("metrology")``) and return the report.

    Parameters
    ----------
    entries : sequence of EntryPoint
    examples : path, optional
        Examples module defining ``registry`` (used when no ``pool`` is given).
    mode : {"sample", "full"}
        ``sample``: ``sample`` cases per entry point (deterministic for a ``seed``);
        ``full``: every case of every battery.
    timeout : float
        Per-call time limit in seconds (an entry's example may raise it).
    pool : WorkerPool, optional
        Workers to use (default: two, made and closed here).
    progress : callable, optional
        Called with a line of progress now and then.
    on_record : callable, optional
        Called with each outcome record as it arrives (e.g. to stream a long run to a file).
    cases : sequence of str
        Only the hostile cases whose key starts with one of these (e.g. ``("lay_",)`` for the
        layout cases of :mod:`.values_layout`); empty: every planned case.

    Raises
    ------
    InputError
        Malformed arguments.
    """
    entries = _check_run(entries, mode, sample, seed, timeout, pool, progress, on_record)
    if isinstance(cases, (str, bytes)) or not all(isinstance(c, str) and c for c in cases):
        raise InputError("cases: expected a sequence of non-empty key prefixes")
    prefixes = tuple(cases)
    t0 = time.perf_counter()
    plan_timeout = max(180.0, 4 * timeout)
    own = pool is None
    package = entries[0].name.split(".")[0] if entries else "metrology"
    pool = pool or WorkerPool(2, examples=examples, package=package)
    records: list[dict] = []
    broken: dict[str, str] = {}
    skipped: dict[str, str] = {}
    generic: dict[str, str] = {}
    try:
        plans = {}
        jobs = [(e.name, ("plan", e.name, mode, seed, sample), plan_timeout) for e in entries]
        for name, res in pool.run(jobs):
            if res.get("outcome") in ("hang", "died", "broken") and "cases" not in res:
                res = {"entry": name, "cases": [], "baseline": {**res, "entry": name}}
            plans[name] = res
            if res.get("skipped"):
                skipped[name] = res["skipped"]
            if res.get("generic"):
                generic[name] = res["generic"]
            if res.get("broken"):
                broken[name] = res["broken"]
        by_name = {e.name: e for e in entries}
        jobs = []
        for name, plan in plans.items():
            base = plan.get("baseline")
            if base is not None:
                base = {**base, "entry": name, "area": by_name[name].area,
                        "param": None, "value": "example"}
                base.setdefault("kind", "")
                for k in ("exc", "message", "line"):
                    base.setdefault(k, "")
                if base.get("outcome") == "broken":
                    broken[name] = f"{base.get('exc')}: {base.get('message')}"
                else:
                    if base.get("outcome") == "nan":
                        base["outcome"] = "returned"
                    records.append(base)
            t = plan.get("timeout") or timeout
            for case in plan.get("cases", []):
                if prefixes and not case.value.startswith(prefixes):
                    continue
                jobs.append(((name, case), ("case", case, plan.get("allowed_nan", [])), t))
        done = 0
        for (name, case), res in pool.run(jobs):
            res = {"entry": name, "area": by_name[name].area, "param": case.param,
                   "value": case.value, "kind": case.kind, "exc": "", "message": "",
                   "line": "", **res}
            if res["outcome"] == "broken":
                broken.setdefault(f"{name} [{case.label}]", f"{res['exc']}: {res['message']}")
            else:
                records.append(res)
                if on_record is not None:
                    on_record(res)
            done += 1
            if progress and done % 200 == 0:
                progress(f"{done}/{len(jobs)} calls")
    finally:
        if own:
            pool.close()
    return FuzzReport(records, broken, skipped, [e.name for e in entries],
                      round(time.perf_counter() - t0, 1), generic)


def run_cli_fuzz(commands: Sequence[tuple], *, package: str = "metrology",
                 examples: str | os.PathLike | None = None, mode: str = "sample",
                 sample: int = 12, seed: int = 0, timeout: float = 30.0,
                 pool: WorkerPool | None = None) -> FuzzReport:
    """Fuzz the command line of ``<package>.cli``: each of ``commands`` (word tuples, e.g.
    ``list(cli_commands())``) run bare, and its valid invocation (from the examples'
    ``registry.cli``) with one argument replaced, added or dropped.  A traceback, an exit code
    other than 0/1/2/130/143, or an exit 2 without exactly one line on stderr is a failure."""
    if isinstance(commands, (str, bytes)) or not hasattr(commands, "__iter__"):
        raise InputError("commands: expected a sequence of word tuples, e.g. [('find',)]")
    wanted = []
    for c in commands:
        if isinstance(c, (str, bytes)) or not hasattr(c, "__iter__") or not all(
                isinstance(w, str) for w in c):
            raise InputError(f"commands: expected word tuples, given {c!r:.60}")
        wanted.append(tuple(c))
    _check_run([], mode, sample, seed, timeout, pool, None, None)
    t0 = time.perf_counter()
    cmds = cli_commands(package)
    reg = load_registry(examples if pool is None else pool.examples)
    unknown = [c for c in wanted if c not in cmds]
    if unknown:
        raise InputError(f"commands: unknown subcommand(s) {unknown[:5]}; known: "
                         f"{sorted(cmds)[:20]}")
    cmds = {c: a for c, a in cmds.items() if c in set(wanted)}
    own = pool is None
    pool = pool or WorkerPool(2, examples=examples, package=package)
    records: list[dict] = []
    broken: dict[str, str] = {}
    try:
        plans = [(cmd, ("cli_plan", cmd, args, mode, seed, sample), 300.0)
                 for cmd, args in sorted(cmds.items())]
        jobs = []
        for cmd, res in pool.run(plans):
            if "cases" not in res:
                broken["cli: metrology " + " ".join(cmd)] = f"{res.get('exc')}: " \
                                                           f"{res.get('message')}"
                continue
            t = (reg.cli_examples[cmd][1] if cmd in reg.cli_examples else None) or timeout
            jobs += [((cmd, case), ("cli", cmd, case), t) for case in res["cases"]]
        for (cmd, case), res in pool.run(jobs):
            res = {"entry": "cli: metrology " + " ".join(cmd), "area": "cli",
                   "param": None if case[1] is None else str(case[1]),
                   "value": f"{case[0]}:{case[2]}", "kind": "cli", "exc": "", "message": "",
                   "line": "", **res}
            if res["outcome"] == "broken":
                broken.setdefault(res["entry"], f"{res['exc']}: {res['message']}")
            else:
                records.append(res)
    finally:
        if own:
            pool.close()
    return FuzzReport(records, broken, {}, ["cli: metrology " + " ".join(c) for c in cmds],
                      round(time.perf_counter() - t0, 1))


def _check_run(entries, mode, sample, seed, timeout, pool, progress, on_record):
    if isinstance(entries, (str, bytes)) or not hasattr(entries, "__iter__"):
        raise InputError("entries: expected a sequence of EntryPoint (see discover())")
    entries = list(entries)
    if not all(isinstance(e, EntryPoint) for e in entries):
        raise InputError("entries: expected a sequence of EntryPoint (see discover())")
    if mode not in ("sample", "full"):
        raise InputError(f"mode: expected 'sample' or 'full', given {mode!r:.40}")
    check_int(sample, "sample", min=0, max=100000)
    check_int(seed, "seed", min=0, max=2 ** 63 - 1)
    check_positive(timeout, "timeout", max=24 * 3600)
    if pool is not None and not isinstance(pool, WorkerPool):
        raise InputError(f"pool: expected a WorkerPool or None, given {type(pool).__name__}")
    for name, fn in (("progress", progress), ("on_record", on_record)):
        if fn is not None and not callable(fn):
            raise InputError(f"{name}: expected a function or None")
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m metrology.testing.fuzz``: fuzz a package and write the triage list."""
    import argparse

    if argv is None:
        argv = sys.argv[1:]
    if isinstance(argv, (str, bytes)) or not hasattr(argv, "__iter__"):
        raise InputError("argv: expected a list of strings")
    argv = list(argv)
    if not all(isinstance(a, str) for a in argv):
        raise InputError("argv: expected a list of strings")
    if "--worker" in argv:
        return _worker_main(argv)
    ap = argparse.ArgumentParser(prog="python -m metrology.testing.fuzz",
                                 description="Fuzz every public entry point of a package "
                                             "with hostile input; write the triage list.")
    ap.add_argument("--package", default="metrology")
    ap.add_argument("--examples", help="module defining `registry = Registry()`")
    ap.add_argument("--full", action="store_true", help="every case (default: a sample)")
    ap.add_argument("--sample", type=int, default=6, help="cases per entry point (sample mode)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=15.0, help="seconds per call")
    ap.add_argument("--entry", action="append", default=[],
                    help="only entry points whose name contains this (repeatable)")
    ap.add_argument("--cases", action="append", default=[],
                    help="only hostile cases whose key starts with this (repeatable; e.g. "
                         "lay_ for the layout cases)")
    ap.add_argument("--json", help="write every record here")
    ap.add_argument("--markdown", help="write the triage list here")
    ap.add_argument("--stream", help="append each record here as a JSON line while running")
    ap.add_argument("--all", action="store_true",
                    help="fuzz every entry point (a run needs --all or --entry)")
    try:
        a = ap.parse_args(argv)
    except SystemExit as exc:                      # usage error or --help: return its code
        return exc.code if isinstance(exc.code, int) else 2
    if not (a.all or a.entry):
        print("fuzz: error: choose --all or --entry NAME (a whole run takes minutes)",
              file=sys.stderr)
        return 2
    stream = open(a.stream, "a") if a.stream else None

    def on_record(rec: dict) -> None:
        if stream is not None:
            stream.write(json.dumps(rec, default=str) + "\n")
            stream.flush()

    entries = discover(a.package, exclude_modules=_SELF_MODULES)
    if a.entry:
        entries = [e for e in entries if any(s in e.name for s in a.entry)]
    with WorkerPool(a.workers, examples=a.examples, package=a.package) as pool:
        rep = run_fuzz(entries, mode="full" if a.full else "sample", sample=a.sample,
                       seed=a.seed, timeout=a.timeout, pool=pool,
                       progress=lambda m: print(m, file=sys.stderr, flush=True),
                       on_record=on_record, cases=a.cases)
    if stream is not None:
        stream.close()
    if a.json:
        Path(a.json).write_text(rep.to_json())
    md = rep.to_markdown()
    if a.markdown:
        Path(a.markdown).write_text(md + "\n")
    else:
        print(md)
    print(json.dumps(rep.figures()), file=sys.stderr)
    return 1 if rep.failures() else 0
