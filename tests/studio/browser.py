"""A headless Chromium driven by Selenium for the studio's page tests (and the benchmark).

Debian's ``chromium`` with its matching ``chromium-driver`` (``.ci/run`` installs them with
apt when absent); Selenium is pointed at both, so it never downloads a browser or driver.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time

CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,900")


def find_browser() -> tuple[str, str] | str:
    """``(chromium, chromedriver)`` paths, or a message saying what is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    try:
        import selenium  # noqa: F401
    except ModuleNotFoundError:
        return "selenium is not installed (pip install -e '.[test]')"
    if not chromium or not driver:
        return ("no headless browser: install Debian's chromium and chromium-driver "
                "(apt-get install chromium chromium-driver; .ci/run does)")
    return chromium, driver


def start_browser(chromium: str, driver: str):
    """A headless Chromium (fresh profile) under Selenium; ``.quit()`` it when done."""
    os.environ.setdefault("SE_OFFLINE", "true")      # never let Selenium fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in CHROMIUM_ARGS:
        opts.add_argument(a)
    profile = tempfile.mkdtemp(prefix="studio-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_script_timeout(60)
    drv.profile_dir = profile
    return drv


def stop_browser(drv) -> None:
    drv.quit()
    shutil.rmtree(drv.profile_dir, ignore_errors=True)


def wait_for(fn, timeout: float = 60.0, what: str = "condition"):
    """Poll ``fn()`` until it returns a truthy value (returned) or ``timeout`` s pass."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
        except Exception as exc:  # noqa: BLE001 - element not there yet
            last = exc
        else:
            if last:
                return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def open_page(drv, url: str, timeout: float = 60.0) -> None:
    drv.get(url)
    wait_for(lambda: drv.execute_script("return document.body.dataset.ready === '1'"),
             timeout, "the page to load")


def client_xy(drv, x: float, y: float) -> tuple[int, int]:
    """Viewport coordinates of view pixel ``(x, y)`` (through the SVG's screen matrix)."""
    return tuple(int(round(v)) for v in drv.execute_script(
        "const m = document.getElementById('view').getScreenCTM();"
        "return [m.a * arguments[0] + m.c * arguments[1] + m.e,"
        "        m.b * arguments[0] + m.d * arguments[1] + m.f];", x, y))


def drag(drv, start_xy, end_xy, steps: int = 8, pause: float = 0.03) -> None:
    """Press at view pixel ``start_xy``, move in ``steps`` to ``end_xy``, release."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    (x0, y0), (x1, y1) = client_xy(drv, *start_xy), client_xy(drv, *end_xy)
    ab = ActionBuilder(drv)
    ab.pointer_action.move_to_location(x0, y0).pointer_down()
    for k in range(1, steps + 1):
        ab.pointer_action.move_to_location(int(round(x0 + (x1 - x0) * k / steps)),
                                           int(round(y0 + (y1 - y0) * k / steps)))
        ab.pointer_action.pause(pause)
    ab.pointer_action.pointer_up()
    ab.perform()
