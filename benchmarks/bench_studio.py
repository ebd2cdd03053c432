"""Studio: edit-to-redraw latency of a dragged tool and page load time, in a real browser.

The scene is the studio tests' 640x480 fixtured part (``tests/studio/studio_scene.py``).  A
48-caliper circle tool is dragged across hole A in small steps, each held until its preview is
drawn; the page records, for every preview, the time from the pointer move that asked for it to
the moment its calipers, edge points and fit are drawn (``window.studio.latencies``).  Peer,
measured in the same process: the same tool's ``CircleTool.measure`` + ``to_features`` called
directly (what the server does per edit, without HTTP, JSON and drawing).

Page load: navigation start to the first evaluation drawn (``window.studioReadyMs``), median of
several loads; peer: ``Recipe.run`` on the image alone (the evaluation the page waits for).

    python benchmarks/bench_studio.py [--quick] [--screenshot docs/studio.jpg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "studio"))

from _common import Row, median_ms  # noqa: E402


def _scene(root: Path, tool_at=None):
    import studio_scene as sc

    return sc, sc.make_folder(root, **({} if tool_at is None else {"tool_at": tool_at}))


def _drag_latencies(drv, sc, steps: int) -> list[float]:
    """Drag hole_a's rim across the hole in ``steps`` moves, each held until drawn."""
    from browser import client_xy, wait_for
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    drv.execute_script("window.studio.latencies = []")
    x, y, r = sc.HOLE_A[0], sc.HOLE_A[1], 36.0
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(*client_xy(drv, x, y - r)).pointer_down()
    ab.perform()
    for k in range(1, steps + 1):
        dx = 6.0 * ((k % 5) - 2)                # wander a few px around the hole
        ab = ActionBuilder(drv)
        ab.pointer_action.move_to_location(*client_xy(drv, x + dx, y - r + 0.5 * (k % 3)))
        ab.perform()
        wait_for(lambda k=k: drv.execute_script("return window.studio.latencies.length") >= k,
                 30, "the preview")
    ab = ActionBuilder(drv)                     # back where it started, then release
    ab.pointer_action.move_to_location(*client_xy(drv, x, y - r)).pause(0.5).pointer_up()
    ab.perform()
    return list(drv.execute_script("return window.studio.latencies"))


def _peer_measure_ms(studio, repeat: int) -> float:
    tool = studio.recipe.tools[0]
    gray = studio._gray(studio.image_key)[1]
    plane = studio.recipe.station.plane
    return median_ms(lambda: tool.to_features(tool.measure(gray), plane), repeat=repeat)


def measure(quick: bool = False, screenshot: str | None = None) -> list[Row]:
    from browser import find_browser, open_page, start_browser, stop_browser

    from metrology.studio.cli import start_server
    from metrology.studio.session import Studio

    found = find_browser()
    if isinstance(found, str):
        print(f"# bench_studio: skipped ({found})", file=sys.stderr)
        return []
    root = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    import studio_scene as sc0

    sc, d = _scene(root, tool_at=sc0.HOLE_A[:2])
    studio = Studio(d["recipe"], images=d["images"])
    url, server, thread = start_server(studio)
    drv = start_browser(*found)
    try:
        loads = []
        for _ in range(2 if quick else 5):
            open_page(drv, url)
            loads.append(float(drv.execute_script("return window.studioReadyMs")))
        drv.find_element("css selector", "#tool-list li[data-i='0']").click()
        lat = _drag_latencies(drv, sc, 10 if quick else 40)
        server_ms = []
        for _ in range(5 if quick else 20):
            t = dict(studio.evaluation()["tools"][0]["dict"])
            server_ms.append(studio.preview(t)["server_ms"])
        peer = _peer_measure_ms(studio, 5 if quick else 20)
        run_peer = median_ms(lambda: studio.recipe.run(studio._gray(studio.image_key)[0]),
                             repeat=3 if quick else 7)
        if screenshot:
            _screenshot(drv, screenshot)
    finally:
        stop_browser(drv)
        server.should_exit = True
        thread.join(10)
    med = statistics.median(lat)
    return [
        Row("studio edit-to-redraw, 48-cal circle 640x480", med, "CircleTool.measure+features",
            peer, f"n={len(lat)}, p90 {sorted(lat)[int(0.9 * (len(lat) - 1))]:.1f} ms, "
                  f"server {statistics.median(server_ms):.1f} ms; target < 150 ms"),
        Row("studio page load (to first evaluation drawn)", statistics.median(loads),
            "Recipe.run on the image", run_peer, f"n={len(loads)}"),
    ]


def _screenshot(drv, path: str) -> None:
    """The page after a run, with the circle tool selected (its calipers and edge points)."""
    import cv2
    import numpy as np
    from browser import wait_for

    drv.set_window_size(1400, 1180)
    drv.find_element("id", "run-btn").click()
    wait_for(lambda: len(drv.find_elements("css selector", "#run-table tbody tr")) == 3, 60,
             "the run")
    drv.find_element("css selector", "#run-table tbody tr:last-child").click()
    drv.find_element("css selector", "#tool-list li[data-i='0']").click()
    drv.find_element("css selector", "#meas-table tr[data-name='hole_a_d']").click()
    time.sleep(1.5)
    png = drv.get_screenshot_as_png()
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"# screenshot: {path} ({img.shape[1]}x{img.shape[0]})", file=sys.stderr)


def run(quick: bool = False) -> list[Row]:
    return measure(quick)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--screenshot", metavar="PATH", help="write a screenshot of the page")
    a = ap.parse_args()
    from run import format_table

    print(format_table(measure(a.quick, a.screenshot)))
