"""Who owns which code (issue 11 restructuring), for grouping fuzz failures."""

#: Who owns which code (issue 11 restructuring): failures are reported per owner, and the
#: owners still fixing theirs are expected to fail (strict xfail: a fixed area must drop it).
OWNERS = {
    "calib": ("metrology.calib.", "metrology._cv", "metrology.synth.board"),
    "match": ("metrology.match.", "metrology.image.pyramid"),
    "caliper-inspect-viz": ("metrology.caliper.", "metrology.inspect.", "metrology.viz."),
    "anomaly": ("metrology.anomaly.", "metrology.synth.defects"),
}
OPEN_OWNERS: set[str] = set()  # every owner clean under the full battery (issue 12 part B)


def owner_of(entry: str) -> str:
    for owner, prefixes in OWNERS.items():
        if entry.startswith(prefixes):
            return owner
    return "harden"

#: Subcommands of ``metrology`` by owner (their ``<layer>/cli.py``).
CLI_OWNERS = {"calibrate": "calib", "undistort": "calib", "model": "match", "find": "match",
              "measure": "caliper-inspect-viz", "inspect": "caliper-inspect-viz",
              "demo": "caliper-inspect-viz", "anomaly": "anomaly"}


def cli_owner_of(entry: str) -> str:
    """Owner of a ``cli: metrology <command> ...`` record."""
    words = entry.split()
    return CLI_OWNERS.get(words[2] if len(words) > 2 else "", "harden")
