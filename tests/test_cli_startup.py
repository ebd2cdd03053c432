"""The command starts without importing the library (issue 16: `metrology --help` < 0.3 s).

The start-up time itself is measured in ``benchmarks/bench_cli.py`` (machines here are noisy);
these tests pin what makes it fast -- which modules a command imports -- so they cannot pass by
luck and fail only when someone adds an eager import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from metrology import cli

HEAVY = ("numpy", "cv2", "scipy", "matplotlib", "torch", "starlette", "metrology.core.checks")


def _imported_after(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"import json; print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_command_table_matches_what_the_layers_register():
    """`metrology --help` lists commands from a table; it must say what the layers register."""
    full = cli._subparsers(cli.build_parser())
    registered = {a.dest: a.help for a in full._choices_actions}
    assert registered == {k: v[1] for k, v in cli._COMMANDS.items()}
    assert list(full.choices) == list(cli._COMMANDS)
    for command, (module, _) in cli._COMMANDS.items():
        parser = cli._subparsers(cli.build_parser([command])).choices[command]
        assert parser.add_help, f"{command}: {module} did not register it"


@pytest.mark.parametrize("code", [
    "import metrology",
    "import metrology.cli as c; c.main(['--help'])",
    "import metrology.cli as c; c.main(['--version'])",
    "import metrology.cli as c; c.main(['nonsense'])",
])
def test_help_and_version_import_nothing_heavy(code, capsys):
    assert _imported_after(code) == []


def test_a_command_imports_only_its_own_layer():
    mods = _imported_after("import metrology.cli as c, sys\n"
                           "c.main(['calibrate', '--help'])\n"
                           "assert 'metrology.studio' not in sys.modules\n"
                           "assert 'metrology.anomaly' not in sys.modules\n"
                           "assert 'metrology.calib.cli' in sys.modules")
    # the calibration layer's command module is loaded, and since metrology.calib imports its
    # names on first use, its help needs none of the heavy libraries
    assert mods == []


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in cli._COMMANDS:
        assert command in out


def test_a_command_help_is_the_real_one(capsys):
    assert cli.main(["calibrate", "--help"]) == 0
    assert "--square-mm" in capsys.readouterr().out


def test_lazy_names_of_the_package_resolve():
    import metrology

    assert metrology.Pose2D(1, 2, 0).apply([[0.0, 0.0]]).tolist() == [[1.0, 2.0]]
    assert "Pose2D" in metrology.__all__ and "Pose2D" in dir(metrology)
