"""The exception tree of :mod:`metrology`.

Every error the library raises on purpose derives from :class:`MetrologyError`, so a caller can
catch the whole family in one clause.  Input problems also derive from :class:`ValueError` so
generic code that expects ``ValueError`` keeps working.

Messages say what was expected, what was given and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "MetrologyError",
    "InputError",
    "ShapeError",
    "FitError",
    "BoardNotFoundError",
    "CalibrationError",
    "EdgeNotFoundError",
    "ModelError",
    "MatchNotFoundError",
    "FileFormatError",
]


class MetrologyError(Exception):
    """Base class of every error raised on purpose by metrology."""


class InputError(MetrologyError, ValueError):
    """Malformed input: wrong type, NaN/inf, negative size, empty image, unknown option."""


class ShapeError(InputError):
    """An array has the wrong shape or dtype (the message gives expected vs given)."""


class FitError(MetrologyError):
    """A model cannot be fitted to valid input (too few points, degenerate configuration)."""


class BoardNotFoundError(MetrologyError):
    """No calibration board of the requested size was found in an image."""


class CalibrationError(MetrologyError):
    """Calibration could not be carried out (too few usable views, divergence, ...)."""


class EdgeNotFoundError(MetrologyError):
    """A caliper tool found no edge (or too few edges) above its threshold."""


class ModelError(MetrologyError):
    """A shape model cannot be built (flat or featureless template, bad parameters)."""


class MatchNotFoundError(MetrologyError):
    """A shape search found no instance of the model at or above ``min_score``.

    ``best_score`` is the best score the search saw (how close it came) and ``min_score`` the
    score asked for (None when not given).
    """

    def __init__(self, message: str = "", *, best_score: float | None = None,
                 min_score: float | None = None) -> None:
        super().__init__(message)
        self.best_score = best_score
        self.min_score = min_score


class FileFormatError(MetrologyError):
    """A file is truncated, foreign, of an unknown version or internally inconsistent."""


def reraise_stop(exc: BaseException) -> None:
    """Raise the stop (Ctrl-C, SIGTERM, exit) hidden in ``exc``'s chain, if there is one.

    A signal handler runs between bytecodes, also inside Python code that a C function called
    (``os.fspath`` calling ``__fspath__``, a NumPy or OpenCV callback).  A C function that then
    ignores the error turns the stop into a ``SystemError`` whose cause is the stop, and a
    handler that wraps errors (``raise InputError(...) from exc``) hides it too.  Code that
    catches ``Exception`` to keep going (one image of a batch failing) calls this first, so a
    stop still stops instead of being recorded as one more failure.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if not isinstance(cur, Exception):
            raise cur
        cur = cur.__cause__ if cur.__cause__ is not None else cur.__context__
