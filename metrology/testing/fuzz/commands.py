"""Fuzzing the command line: every subcommand, bare and with hostile arguments."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import random
import re
import sys
import time
import zlib
from typing import Any

import numpy as np

from .entries import _MSG_CHARS
from .registry import Context
from .values import _write
from .cases import _library_frame, _reset_state


#: Hostile words for command-line arguments (values built in the worker).
CLI_VALUES = ["nan", "inf", "-inf", "-1", "0", "1e9", "1e400", "-1e400", "abc", "", "a,b,c,d",
              "1,2", ",,,", "1,2,3,4,5", "1e9,1e9,1e9,1e9", "nan,nan", "-5,-5,1e9,1",
              "@missing", "@dir", "@empty", "@junk_png", "@text", "@out_bad_ext",
              "@file_as_dir", "@long", "@missing_parent", "@nul_like", "--json", "-x"]


def cli_commands(package: str = "metrology") -> dict[tuple, list[dict]]:
    """Every leaf subcommand of ``<package>.cli.build_parser()`` with its arguments
    (``{"flags": [...], "dest": ..., "nargs": ..., "takes_value": bool, "required": bool}``)."""
    import argparse

    parser = importlib.import_module(f"{package}.cli").build_parser()
    out: dict[tuple, list[dict]] = {}

    def walk(p: argparse.ArgumentParser, prefix: tuple) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if subs:
            out[prefix] = []                   # the bare group (must say: choose an action)
            for name, child in subs[0].choices.items():
                walk(child, prefix + (name,))
            return
        args = []
        for a in p._actions:
            if isinstance(a, (argparse._HelpAction, argparse._VersionAction)):
                continue
            args.append({"flags": list(a.option_strings), "dest": a.dest,
                         "nargs": a.nargs, "takes_value": a.nargs != 0,
                         "required": bool(a.required) or not a.option_strings})
        out[prefix] = args

    walk(parser, ())
    out.pop((), None)
    return out


def cli_value(word: str, ctx: Context) -> str:
    """The hostile argument ``word`` (``@...`` names a file or folder made in the scratch)."""
    if not word.startswith("@"):
        return word
    key = word[1:]
    if key == "missing":
        return str(ctx.tmp("missing.png"))
    if key == "dir":
        d = ctx.tmp("folder")
        d.mkdir()
        return str(d)
    if key == "empty":
        return str(_write(ctx.tmp("empty.json"), b""))
    if key == "junk_png":
        return str(_write(ctx.tmp("junk.png"), bytes(range(256)) * 8))
    if key == "text":
        return str(_write(ctx.tmp("notes.txt"), b"not a station\n"))
    if key == "out_bad_ext":
        return str(ctx.tmp("x.notanimage"))
    if key == "file_as_dir":
        return str(_write(ctx.tmp("a_file"), b"x"))
    if key == "long":
        return str(ctx.tmp("z" * 300))
    if key == "missing_parent":
        return str(ctx.tmp("nope") / "deeper" / "out.json")
    if key == "nul_like":
        return str(ctx.tmp("a\tb\nc.png"))
    raise KeyError(word)


def plan_cli(command: tuple, args: list[dict], base: list[str] | None, mode: str, seed: int,
             sample: int) -> list[tuple]:
    """Cases ``(kind, index_or_flag, word)`` for one subcommand: replace the value at an index
    of the valid argv, add an option with a hostile value, drop a positional, run bare."""
    cases: list[tuple] = [("bare", None, None)]
    if base is not None:
        for i in range(len(base)):
            if i < len(command):
                continue
            cases += [("replace", i, w) for w in CLI_VALUES]
        for a in args:
            if a["flags"] and a["takes_value"]:
                cases += [("add", a["flags"][-1], w) for w in CLI_VALUES]
            elif a["flags"]:
                cases.append(("add", a["flags"][-1], None))
        cases += [("drop", i, None) for i in range(len(command), len(base))]
    if mode == "full" or len(cases) <= sample:
        return cases
    rng = random.Random(zlib.crc32(f"{command}:{seed}".encode()))
    return rng.sample(cases, sample)


def run_cli(package: str, command: tuple, case: tuple, ctx: Context, package_dir: str) -> dict:
    """Run one command-line case in this process; return its outcome record.

    Outcomes: ``returned`` (exit 0 or 1, or 2 with exactly one line on stderr), ``crash``
    (an exception escaped ``main``: the user would see a traceback), ``badexit`` (exit 2 without
    exactly one line on stderr, a failure printed on stdout, or an unknown exit code)."""
    t0 = time.perf_counter()
    rec: dict[str, Any] = {"entry": "cli: metrology " + " ".join(command), "area": "cli",
                           "param": None if case[1] is None else str(case[1]),
                           "value": f"{case[0]}:{case[2]}", "kind": "cli", "outcome": "returned",
                           "exc": "", "message": "", "line": ""}
    ex = ctx.registry.cli_examples.get(command)
    try:
        base = ex[0](ctx) if ex else None
    except Exception as exc:  # noqa: BLE001
        rec.update(outcome="broken", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS])
        return rec
    kind, where, word = case
    argv = list(command) if kind == "bare" or base is None else list(base)
    if kind == "replace" and where >= len(argv) or kind == "drop" and where >= len(argv):
        rec.update(message="case does not apply to this argv")
        return rec
    if kind == "replace":
        argv[where] = cli_value(word, ctx)
    elif kind == "add":
        argv += [where] + ([] if word is None else [cli_value(word, ctx)])
    elif kind == "drop":
        del argv[where]
    rec["argv"] = argv
    main = importlib.import_module(f"{package}.cli").main
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    code: Any = None
    stubbed = _stub(ctx.registry.cli_stubs.get(command, {}))
    try:
        os.chdir(ctx.scratch)
        # NumPy's defaults of a fresh process (the API cases run with every warning on)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                np.errstate(divide="warn", over="warn", under="ignore", invalid="warn"):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        skip = os.path.join(package_dir, "testing", "fuzz")
        rec.update(outcome="crash", exc=type(exc).__name__, message=str(exc)[:_MSG_CHARS],
                   line=_library_frame(exc.__traceback__, package_dir, skip))
    finally:
        for mod, attr, old in stubbed:
            setattr(mod, attr, old)
        _reset_state(cwd)
    stderr = err.getvalue()
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    rec["code"] = code
    rec["stderr"] = stderr[-400:]
    if rec["outcome"] == "crash":
        pass
    elif not isinstance(code, int) or code not in (0, 1, 2, 130, 143):
        rec.update(outcome="badexit", message=f"exit code {code!r}")
    elif "Traceback (most recent call last)" in stderr:
        rec.update(outcome="badexit", message="a traceback on stderr")
    elif code == 2 and len(lines) != 1:
        rec.update(outcome="badexit", message=f"exit 2 with {len(lines)} line(s) on stderr: "
                                              + " | ".join(lines[:3])[:200])
    elif code == 2 and "this is a bug in" in lines[0]:
        # the command's last-resort guard caught an exception outside the error tree
        m = re.search(r"unexpected (\w+):", lines[0])
        last = getattr(sys.modules.get(f"{package}.cli"), "last_unexpected", None)
        line = _library_frame(last.__traceback__, package_dir,
                              os.path.join(package_dir, "testing", "fuzz")) if last else ""
        rec.update(outcome="crash", exc=m.group(1) if m else "Exception",
                   message=lines[0][:_MSG_CHARS], line=line)
    elif code == 2:
        rec.update(outcome="error", message=lines[0][:_MSG_CHARS])
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def _stub(stubs: dict) -> list[tuple]:
    """Put the registered stand-ins in place; returns ``(module, attribute, original)``."""
    done = []
    for key, fn in stubs.items():
        mod_name, attr = key.split(":")
        mod = importlib.import_module(mod_name)
        done.append((mod, attr, getattr(mod, attr)))
        setattr(mod, attr, fn)
    return done
