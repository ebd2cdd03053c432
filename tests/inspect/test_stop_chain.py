"""A stop (Ctrl-C, SIGTERM) that arrives inside a call that wraps errors is still a stop.

CI once saw ``metrology inspect -j 2`` answer a SIGTERM with "1 image(s) could not be
inspected (... internal error: SystemError: <built-in function fspath> returned a result with an
exception set)" and exit 2 instead of 143: the signal handler's ``Terminated`` was raised inside
Python code that ``os.fspath`` called, CPython turned it into a ``SystemError`` whose cause is
the stop, and the batch recorded it as one more failed image.  These tests build those chains
directly (the race itself is a matter of microseconds).
"""

from __future__ import annotations

import argparse

import pytest

from metrology.cli import EXIT_TERMINATED, Terminated, _run, main
from metrology.errors import InputError, reraise_stop
from metrology.inspect._batch_pool import inspect_one


def _system_error_from(stop: BaseException) -> SystemError:
    try:
        try:
            raise stop
        except BaseException as inner:
            raise SystemError("<built-in function fspath> returned a result with an "
                              "exception set") from inner
    except SystemError as exc:
        return exc


def _wrapped_from_none(stop: BaseException) -> InputError:
    try:
        try:
            raise stop
        except BaseException:
            raise InputError("cannot read the image") from None
    except InputError as exc:
        return exc


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Terminated, SystemExit])
@pytest.mark.parametrize("wrap", [_system_error_from, _wrapped_from_none])
def test_reraise_stop_finds_the_stop_as_cause_or_context(stop, wrap):
    exc = wrap(stop())
    with pytest.raises(stop):
        reraise_stop(exc)


def test_reraise_stop_leaves_a_plain_failure_and_a_cycle_alone():
    try:
        try:
            raise ValueError("inner")
        except ValueError as inner:
            raise InputError("outer") from inner
    except InputError as exc:
        assert reraise_stop(exc) is None
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a            # a chain that loops must not hang
    assert reraise_stop(a) is None


class _Recipe:
    def __init__(self, exc: BaseException):
        self.exc = exc

    def run(self, path, name=None):
        raise self.exc


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Terminated])
def test_inspect_one_lets_a_wrapped_stop_through(stop):
    with pytest.raises(stop):
        inspect_one(_Recipe(_system_error_from(stop())), "p_005.png", None)
    with pytest.raises(stop):
        inspect_one(_Recipe(_wrapped_from_none(stop())), "p_005.png", None)


def test_inspect_one_still_records_a_real_failure():
    rec = inspect_one(_Recipe(SystemError("a bug")), "p_005.png", None)
    assert rec["status"] == "error" and "internal error: SystemError: a bug" in rec["error"]


def test_cli_turns_a_wrapped_sigterm_into_exit_143(monkeypatch, capsys):
    def command(args):
        raise _system_error_from(Terminated())

    with pytest.raises(Terminated):
        _run(argparse.Namespace(func=command), "metrology inspect")

    import metrology.cli as cli

    real = cli._run                                     # the real handlers, this command
    monkeypatch.setattr(cli, "_run", lambda args, prog: real(argparse.Namespace(func=command),
                                                             prog))
    assert main(["demo", "--out", "x"]) == EXIT_TERMINATED
    assert capsys.readouterr().err.strip().endswith("metrology demo: terminated")
