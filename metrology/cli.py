"""The ``metrology`` command.

Each layer contributes its own subcommands through a ``register(subparsers)`` function in its
``cli`` module (``metrology/<layer>/cli.py``); this file only assembles them and turns library
errors into one clear line and an exit code:

* 0 — ok
* 1 — ran, but a measurement failed its tolerance (or a part was not found)
* 2 — bad input (unreadable file, malformed option, corrupt model/recipe/station file); one
  line on stderr, never a traceback
* 130 / 143 — interrupted by Ctrl-C (SIGINT) / stopped by SIGTERM; one line on stderr

Set ``METROLOGY_DEBUG=1`` to see the full traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import traceback
from typing import Any, NoReturn, Sequence

from ._version import __version__
from .errors import InputError, MetrologyError, reraise_stop

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAIL", "EXIT_BAD_INPUT",
           "EXIT_INTERRUPTED", "EXIT_TERMINATED"]

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143

# Subcommands in the order they appear in --help, with the layer module that registers them and
# the one-line help shown by `metrology --help`.  Only the module of the command being run is
# imported (a layer's package pulls in NumPy, OpenCV and SciPy: seconds of start-up that
# `metrology --help` should not pay); tests/test_cli_startup.py keeps this table equal to what
# the modules register.
_COMMANDS: dict[str, tuple[str, str]] = {
    "calibrate": ("metrology.calib.cli", "calibrate a camera from checkerboard images"),
    "undistort": ("metrology.calib.cli", "remove lens distortion from images"),
    "model": ("metrology.match.cli", "shape models: create one from a template image"),
    "find": ("metrology.match.cli", "find a shape model in an image, print poses"),
    "measure": ("metrology.caliper.cli",
                "measure edges, pairs, a line, circle or ellipse with calipers"),
    "anomaly": ("metrology.anomaly.cli", "surface anomaly scoring trained on good parts"),
    "inspect": ("metrology.inspect.cli", "run an inspection recipe on images (a folder or files)"),
    "demo": ("metrology.inspect.cli",
             "end-to-end demo: calibrate, build a model, measure rendered parts"),
    "recipe": ("metrology.teach.cli",
               "make a recipe for a new part (teach, from-dxf) and look at it (show)"),
    "report": ("metrology.inspect.msa_cli",
               "SPC report of a batch (HTML): histograms, run charts, Cp/Cpk"),
    "gauge-study": ("metrology.inspect.msa_cli",
                    "type-1 gauge study (Cg, Cgk) or gauge R&R (ANOVA: %%GRR, ndc)"),
    "studio": ("metrology.studio.cli", "teach, edit and try a recipe in the browser"),
}
#: Layer modules that contribute subcommands, in --help order.
_CLI_MODULES = tuple(dict.fromkeys(module for module, _ in _COMMANDS.values()))

#: The last exception the command's guard turned into "unexpected ..." (None if none).
last_unexpected: BaseException | None = None


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {_one_line(message)} "
                                  f"(see '{self.prog} --help')\n")


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM so ``finally`` blocks (workers, files) run."""


def _selected_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs: its first word that is not an option."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None


def _check_argv(argv: Any) -> list[str]:
    if not isinstance(argv, (list, tuple)):
        raise InputError(f"argv: expected a list of strings, given {type(argv).__name__}")
    argv = list(argv)
    if not all(isinstance(a, str) for a in argv):
        raise InputError("argv: expected a list of strings")
    return argv


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``metrology`` command.

    Without ``argv`` every layer's subcommands are registered in full.  With ``argv`` only the
    layer of the subcommand that ``argv`` selects is imported and registered; the others appear
    by name and help line (enough for ``metrology --help`` and for choosing a command), so the
    command starts without importing the whole library.
    """
    parser = _Parser(
        prog="metrology",
        description="Classical machine-vision measurement: calibrate a station, find parts by "
                    "their contour, measure them in millimetres and check tolerances.",
        epilog="Exit codes: 0 ok, 1 tolerance failed / part not found, 2 bad input, "
               "130 interrupted, 143 terminated.")
    parser.add_argument("--version", action="version", version=f"metrology {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if argv is None:
        wanted = set(_CLI_MODULES)
    else:
        chosen = _COMMANDS.get(_selected_command(_check_argv(argv)) or "")
        wanted = {chosen[0]} if chosen else set()
    registered: set[str] = set()
    for command, (module_name, help_line) in _COMMANDS.items():
        if command in sub.choices:
            continue
        if module_name in wanted and module_name not in registered:
            importlib.import_module(module_name).register(sub)
            registered.add(module_name)
        if command not in sub.choices:   # a layer not needed now: its name and help only
            sub.add_parser(command, help=help_line, add_help=False)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return a
    return None


def _innermost(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.ArgumentParser:
    """The (sub)parser that the leading words of ``argv`` select."""
    for word in argv:
        act = _subparsers(parser)
        if act is None or word not in act.choices:
            break
        parser = act.choices[word]
    return parser


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _on_sigterm(signum, frame) -> NoReturn:  # pragma: no cover - exercised via subprocesses
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``metrology`` console script; returns the exit code.

    ``argv`` (default ``sys.argv[1:]``) is a list of strings.  ``--help`` and ``--version``
    return 0 and a usage error 2 (one line on stderr), like every other outcome: ``main``
    does not raise :class:`SystemExit`.
    """
    argv = _check_argv(sys.argv[1:] if argv is None else argv)
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:                       # not in the main thread: leave SIGTERM alone
        previous = None
    prog = "metrology"
    global last_unexpected
    last_unexpected = None
    try:
        parser = build_parser(argv)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:            # --help, --version, usage error (printed)
            return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
        if not getattr(args, "command", None):
            parser.print_help()
            return EXIT_BAD_INPUT if argv else EXIT_OK
        prog = f"metrology {args.command}"
        sub = _innermost(parser, argv)
        act = _subparsers(sub)
        if not hasattr(args, "func") or (act is not None and getattr(args, act.dest, None)
                                          is None):  # `metrology model` without an action
            choices = ", ".join(act.choices) if act is not None else ""
            print(f"{sub.prog}: error: choose an action{': ' + choices if choices else ''} "
                  f"(see '{sub.prog} --help')", file=sys.stderr)
            return EXIT_BAD_INPUT
        return _run(args, prog)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    finally:
        if previous is not None:
            try:
                signal.signal(signal.SIGTERM, previous)
            except (ValueError, TypeError):
                pass


def _run(args: argparse.Namespace, prog: str) -> int:
    """Run the selected command; library and OS errors become one line and exit 2."""
    try:
        code = args.func(args)
    except MetrologyError as exc:
        reraise_stop(exc)                    # a stop inside a wrapped call is still a stop
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:                  # `metrology ... | head`: the reader went away
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except OSError as exc:                   # a file the command touches directly
        reraise_stop(exc)
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(f"{prog}: error:{where} {exc.strerror or _one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print(f"{prog}: error: out of memory (an input or option is too large)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - last guard: one line, never a traceback
        reraise_stop(exc)
        global last_unexpected
        last_unexpected = exc                # for tests and the fuzzer: where it came from
        if os.environ.get("METROLOGY_DEBUG"):
            traceback.print_exc()
        print(f"{prog}: error: unexpected {type(exc).__name__}: {_one_line(exc, 300)} "
              f"(this is a bug in metrology, please report it; METROLOGY_DEBUG=1 shows the "
              f"traceback)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(code, bool) or not isinstance(code, int):
        return EXIT_OK if code is None else EXIT_FAIL
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
