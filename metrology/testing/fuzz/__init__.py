"""Fuzz every public entry point of a package with hostile input, in subprocess workers.

The harness finds the entry points itself, from the ``__all__`` of every public module of a
package (functions, class constructors, public methods and classmethods of classes), so a new
function is fuzzed as soon as it is exported.  Each entry point is called first with a valid
example (registered in a :class:`Registry`, or guessed from the parameter names and defaults),
then once per case with one argument replaced by a hostile value: NaN, inf, huge and negative
numbers, zero, empty, ``None``, strings, booleans, wrong-length vectors, arrays of the wrong
shape or dtype (bool, int64, float16, complex, object), 0x0, 1xN and 20000x20000 images
(broadcast, not allocated), corrupt and adversarial files (truncated, binary junk, deeply nested
JSON, NaN/1e400/strings in numeric fields, foreign format or version, ``.npz`` with pickled
objects), and unusable output paths (read-only folder, name too long, NUL, a file where a folder
is expected).

Every call ends in one of these outcomes:

``returned``
    Fine, unless the result holds NaN/inf where the valid example's result held finite values
    (``nan``: NaN passed on silently).  NaN inside a result whose ``ok`` flag is False (a batch
    API's documented failure marker) is allowed.
``error``
    Raised the package's own error (:class:`~metrology.errors.MetrologyError`): fine.
``crash``
    Raised anything else: a failure.  The report names the exception and the innermost line of
    the package it came from.
``hang`` / ``died``
    Exceeded the per-call time limit, or the worker process died (segfault, abort, out of
    memory): failures.  Calls run in subprocess workers that are killed and restarted, so
    neither stops the run.

Quick start (fuzz :mod:`metrology` itself, a small sample)::

    python -m metrology.testing.fuzz --examples tests/fuzz/examples.py --markdown triage.md

Your own package: write an examples module that defines ``registry = Registry()`` with valid
examples for the entry points whose parameters cannot be guessed, then run
``python -m metrology.testing.fuzz --package yourpkg --examples your_examples.py``.
"""

from .cases import Case, non_finite_paths, run_case
from .commands import cli_commands, run_cli
from .entries import FAILURES, OUTCOMES, EntryPoint, area_of, discover, resolve
from .kill import KillReport, kill_during_saves
from .registry import Call, Context, Registry, load_registry
from .report import FuzzReport, main, run_cli_fuzz, run_fuzz
from .workers import WorkerPool

__all__ = ["EntryPoint", "Case", "Call", "Registry", "Context", "discover", "resolve", "area_of",
           "load_registry", "run_case", "run_cli", "non_finite_paths", "run_fuzz", "run_cli_fuzz",
           "cli_commands", "FuzzReport", "WorkerPool", "kill_during_saves", "KillReport",
           "main", "OUTCOMES", "FAILURES"]
