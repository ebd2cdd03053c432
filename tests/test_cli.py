"""The ``metrology`` command: --help, --version, --json and exit codes for every subcommand.

Subcommands come from each layer's ``cli`` module; a command whose module is not there (yet) is
skipped with a message rather than failed, so this file can run at any stage of the project.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from metrology.cli import build_parser, main

EXPECTED = [("calibrate",), ("undistort",), ("model", "create"), ("find",), ("measure",),
            ("inspect",), ("demo",)]


def _subparsers_action(parser):
    import argparse

    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            return a
    return None


def _available(cmd: tuple[str, ...]) -> bool:
    parser = build_parser()
    for word in cmd:
        act = _subparsers_action(parser)
        if act is None or word not in act.choices:
            return False
        parser = act.choices[word]
    return True


def _need(cmd):
    if not _available(cmd):
        pytest.skip(f"'metrology {' '.join(cmd)}' is not registered (its layer's cli module "
                    f"is not there yet)")


def test_version(capsys):
    from metrology import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_console_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "metrology", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "metrology" in r.stdout


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage" in capsys.readouterr().out


def test_unknown_command_is_bad_input(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--help" in err


@pytest.mark.parametrize("cmd", EXPECTED, ids=lambda c: " ".join(c))
def test_help_and_json_flag(cmd, capsys):
    _need(cmd)
    assert main([*cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage" in out.lower()
    assert "--json" in out, f"'metrology {' '.join(cmd)}' has no --json option"


@pytest.mark.parametrize("cmd", EXPECTED, ids=lambda c: " ".join(c))
def test_missing_file_is_one_line_exit_2(cmd, capsys, tmp_path):
    """A path that does not exist, in every positional slot: exit 2, no traceback."""
    _need(cmd)
    missing = str(tmp_path / "does-not-exist.png")
    args = {"demo": ["--calib-dir", missing, "--out", str(tmp_path / "o")],
            "find": [missing, "--model", missing],
            "inspect": [missing, missing]}.get(cmd[0], [missing])
    code = main([*cmd, *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("argv, match", [
    (["model"], "choose an action: create"),
    (["anomaly"], "choose an action: fit, score"),
    (["find", "a\nb.png"], "--model"),                  # a newline in a path: still one line
    (["find", "x.png", "--model"], "expected one argument"),
])
def test_usage_errors_are_one_line_on_stderr(argv, match, capsys):
    cmd = argv[:1]
    _need(tuple(cmd))
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and match in err, err
    assert out == ""


def test_bad_argv_type_is_an_input_error():
    from metrology.errors import InputError

    for bad in ("find", 3, [1, 2]):
        with pytest.raises(InputError, match="argv"):
            main(bad)


def test_sigterm_exits_143_with_one_line(tmp_path):
    """SIGTERM while a command runs: finally blocks run, one line, exit 143."""
    import os
    import signal
    import time

    code = ("import time, metrology.cli as c\n"
            "def slow(args):\n    print('started', flush=True)\n    time.sleep(60)\n"
            "p = c.build_parser\n"
            "def build(*a):\n    parser = p(*a)\n"
            "    for a in parser._actions:\n"
            "        if hasattr(a, 'choices') and isinstance(a.choices, dict) and "
            "'demo' in a.choices:\n"
            "            a.choices['demo'].set_defaults(func=slow)\n"
            "    return parser\n"
            "c.build_parser = build\n"
            "raise SystemExit(c.main(['demo']))\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.strip() == "metrology demo: terminated"
