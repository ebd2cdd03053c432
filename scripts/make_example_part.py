"""Write ``examples/plate/part.png``: one demo plate rendered with exact ground truth.

The README's Tour measures it with ``examples/plate.recipe.json``.  The plate is rendered like
``examples/measure_part.py`` does (the camera of ``calib_images/``, the demo's measuring plane,
a random pose; fixed seed), so the file is reproducible::

    python scripts/make_example_part.py [--seed 1] [--out examples/plate/part.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

from measure_part import render_demo_image  # noqa: E402

from metrology._io import atomic_write_bytes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "examples" / "plate" / "part.png"))
    a = ap.parse_args(argv)
    image, truth = render_demo_image(a.seed)
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    atomic_write_bytes(a.out, buf.tobytes())
    print(f"{a.out}: {image.shape[1]}x{image.shape[0]}, true values {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
