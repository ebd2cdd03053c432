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

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_console_entry_point_runs():
    r = subprocess.run([sys.executable, "-m", "metrology", "--version"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "metrology" in r.stdout


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "usage" in capsys.readouterr().out


def test_unknown_command_is_bad_input(capsys):
    with pytest.raises(SystemExit) as e:
        main(["no-such-command"])
    assert e.value.code == 2


@pytest.mark.parametrize("cmd", EXPECTED, ids=lambda c: " ".join(c))
def test_help_and_json_flag(cmd, capsys):
    _need(cmd)
    with pytest.raises(SystemExit) as e:
        main([*cmd, "--help"])
    assert e.value.code == 0
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
    try:
        code = main([*cmd, *args])
    except SystemExit as e:  # argparse: required options missing for this command
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert err.strip(), "no message on stderr"
    if not err.startswith("usage"):
        assert len(err.strip().splitlines()) == 1, err
