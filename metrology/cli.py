"""The ``metrology`` command.

Each layer contributes its own subcommands through a ``register(subparsers)`` function in its
``cli`` module (``metrology/<layer>/cli.py``); this file only assembles them and turns library
errors into one clear line and an exit code:

* 0 — ok
* 1 — ran, but a measurement failed its tolerance (or a part was not found)
* 2 — bad input (unreadable file, malformed option, corrupt model/recipe/station file)
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ._version import __version__
from .errors import MetrologyError

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2

# layers that contribute subcommands, in the order they appear in --help
_CLI_MODULES = ("metrology.calib.cli", "metrology.match.cli", "metrology.caliper.cli",
                "metrology.anomaly.cli", "metrology.inspect.cli", "metrology.teach.cli")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="metrology",
        description="Classical machine-vision measurement: calibrate a station, find parts by "
                    "their contour, measure them in millimetres and check tolerances.",
        epilog="Exit codes: 0 ok, 1 tolerance failed / part not found, 2 bad input.")
    parser.add_argument("--version", action="version", version=f"metrology {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # layer has no CLI (yet)
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``metrology`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None) or not hasattr(args, "func"):
        parser.print_help()
        return EXIT_BAD_INPUT if argv else EXIT_OK
    try:
        code = args.func(args)
    except MetrologyError as exc:
        print(f"metrology {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        print(f"metrology {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"metrology {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
