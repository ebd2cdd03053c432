"""The layering rule of docs/design-notes.md, read from the imports (issue 11).

A layer imports, at module level, only the layers below it; the private infrastructure
(``errors``, ``_io``, ``_serial``, ``_cv``, ``_lazy``, ``_version``, ``_accel``,
``_memory``) is open to all.  Imports inside
functions (lazy: the CLI's overlays, the demo's renderer, a recipe loading its model) may reach
up, except from ``core`` and ``image``, which never do.  A new upward import fails here with the
file and line, so the rule is changed on purpose (here and in the notes) or not at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "metrology"
INFRA = {"errors", "_io", "_serial", "_cv", "_lazy", "_version", "_accel", "_memory", "data"}
#: layer -> the layers it may import at module level (besides INFRA)
BELOW = {
    "core": set(),
    "geometry": {"core"},
    "testing": {"core"},
    "image": {"core"},
    "calib": {"core", "image"},
    "match": {"core", "image"},
    "caliper": {"core", "image"},
    "anomaly": {"core", "image"},
    "synth": {"core", "image", "calib"},
    "viz": {"core", "image", "caliper"},
    "inspect": {"core", "image", "caliper", "anomaly"},
    "teach": {"core", "image", "caliper"},
    "studio": {"core", "image", "caliper", "inspect"},
}
#: layers that never import upward, not even inside a function
STRICT = {"core", "image"}


def _imports(path: Path):
    """(line, target layer, at module level) of every import of a metrology module."""
    rel = path.relative_to(PKG.parent).with_suffix("").parts
    package = list(rel if path.name == "__init__.py" else rel[:-1])
    if path.name == "__init__.py":
        package = package[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                if node.module:
                    targets = [".".join(base + [node.module])]
                else:                                  # from .. import _cv, errors
                    targets = [".".join(base + [a.name]) for a in node.names]
            else:
                targets = [node.module or ""]
        for t in targets:
            parts = t.split(".")
            if parts[0] == "metrology" and len(parts) > 1:
                yield node.lineno, parts[1], id(node) in top


def _violations() -> list[str]:
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if len(rel.parts) < 2 or rel.parts[0] not in BELOW:
            continue
        layer = rel.parts[0]
        allowed = BELOW[layer] | INFRA | {layer}
        for line, target, top in _imports(path):
            if target in allowed:
                continue
            if top or layer in STRICT:
                where = "module level" if top else "inside a function"
                bad.append(f"metrology/{rel.as_posix()}:{line}: {layer} imports {target} "
                           f"({where})")
    return bad


def test_layers_import_only_what_lies_below():
    assert not _violations(), "\n".join(_violations())


def test_every_layer_has_a_rule():
    layers = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    layers |= {p.stem for p in PKG.glob("*.py") if not p.stem.startswith("_")}
    assert layers - {"cli", "errors", "data"} <= set(BELOW), sorted(layers - set(BELOW))
