"""The studio's server without a browser: the JSON API, its validation, and each security rule
(loopback, token, sandboxed files, traversal, upload size and type, no paths from the page).

The recipe and images are the fixtured part of ``studio_scene`` (exact geometry rendered by
``metrology.synth``).  Tolerances: a dragged circle tool measures hole A's Ø 4.000 mm within
0.005 mm (0.05 px at 0.05 mm/px; the caliper's accuracy on these renders is ~0.003 px, the
margin is for the 1 gray-level noise)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import studio_scene as sc  # noqa: E402

pytest.importorskip("starlette", reason="the studio needs the [studio] extra (starlette)")
pytest.importorskip("httpx2", reason="Starlette's test client needs httpx2 (test extra)")
from starlette.testclient import TestClient  # noqa: E402

from metrology import cli  # noqa: E402
from metrology.inspect import Recipe  # noqa: E402
from metrology.studio.app import create_app  # noqa: E402
from metrology.studio.cli import parse_station, start_server  # noqa: E402
from metrology.studio.session import Studio, error_location  # noqa: E402

TOKEN = "t0ken-for-tests"


@pytest.fixture
def scene(tmp_path):
    return sc.make_folder(tmp_path)


@pytest.fixture
def client(scene):
    studio = Studio(scene["recipe"], images=scene["images"], station=sc.PX_MM,
                    max_upload_bytes=200_000)
    c = TestClient(create_app(studio, TOKEN), base_url="http://127.0.0.1")
    c.headers["X-Studio-Token"] = TOKEN
    c.studio = studio
    return c


def _draft(state):
    ev = state["evaluation"]
    return {"name": state["recipe"]["name"],
            "tools": [dict(t["dict"], _src=i) for i, t in enumerate(ev["tools"])],
            "measurements": [m["spec"] for m in ev["measurements"]]}


def _row(ev, name):
    return next(m for m in ev["measurements"] if m["spec"]["name"] == name)


# ---------------------------------------------------------------------------------------
# the API
# ---------------------------------------------------------------------------------------
def test_state_page_and_static(client):
    st = client.get("/api/state").json()
    assert st["recipe_file"] == "plate.recipe.json"
    assert st["images"] == ["golden.png", "images/part_01.png", "images/part_02.png",
                            "images/part_03.png"]
    ev = st["evaluation"]
    assert ev["size"] == [640, 480] and ev["editable"]
    # the recipe's hole_a tool starts off the hole: no edge, its measurements not measured
    assert _row(ev, "hole_a_d")["result"]["passed"] is False
    assert _row(ev, "slot_w")["result"]["passed"] is True
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and f"static/studio.js?token={TOKEN}" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/studio.js").headers["content-type"].startswith("text/javascript")
    png = client.get("/api/image", params={"name": "golden.png"})
    img = cv2.imdecode(np.frombuffer(png.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img.shape == (480, 640)


def test_drag_preview_commit_and_table(client):
    st = client.get("/api/state").json()
    draft = _draft(st)
    moved = dict(draft["tools"][0], center_xy=[201.0, 239.5], radius=38.0)
    live = client.post("/api/preview", json={"tool": moved}).json()
    assert "error" not in live and len(live["used"]) >= 44
    assert abs(2 * live["mm"]["radius"] - 4.0) < 0.005
    assert live["calipers"][0]["shape"] == "Polygons" and len(live["calipers"][0]["corners_xy"]) == 48
    draft["tools"][0] = moved
    ev = client.post("/api/recipe", json=draft).json()
    row = _row(ev, "hole_a_d")["result"]
    assert abs(row["value"] - 4.0) < 0.005 and row["passed"] is True
    assert row["deviation"] == pytest.approx(row["value"] - 4.0)
    # the server-side tool moved (fixtured: view px are recipe px); the others untouched
    assert client.studio.recipe.tools[0].center_xy == (201.0, 239.5)
    assert client.studio.recipe.to_dict()["tools"][1:] == Recipe.from_dict(
        sc.recipe_doc()).to_dict()["tools"][1:]


def test_edit_errors_name_their_field(client):
    st = client.get("/api/state").json()
    draft = _draft(st)
    draft["tools"][1]["radius"] = -3
    r = client.post("/api/recipe", json=draft)
    assert r.status_code == 422
    assert r.json()["where"] == {"list": "tools", "index": 1, "field": "radius"}
    draft = _draft(st)
    draft["measurements"][0]["tolerance_mm"] = "abc"
    r = client.post("/api/recipe", json=draft)
    assert r.status_code == 422 and r.json()["where"]["field"] == "tolerance_mm"
    assert r.json()["where"]["index"] == 0
    # a refused edit changes nothing
    assert client.studio.recipe.measurements[0].tolerance.upper == 0.02
    assert error_location("tools[3].name: duplicate tool name 'x'") == {
        "list": "tools", "index": 3, "field": "name"}


def test_iso2768_tolerance(client):
    draft = _draft(client.get("/api/state").json())
    m = {k: v for k, v in draft["measurements"][0].items() if k != "tolerance_mm"}
    draft["measurements"][0] = m | {"iso2768": "m"}           # Ø 4 mm: > 3-6 mm, class m
    draft["measurements"][2] = {k: v for k, v in draft["measurements"][2].items()
                                if k != "tolerance_mm"} | {"iso2768": "f"}  # 7 mm: > 6-30
    ev = client.post("/api/recipe", json=draft).json()
    assert _row(ev, "hole_a_d")["spec"]["tolerance_mm"] == 0.1
    assert _row(ev, "a_to_left")["spec"]["tolerance_mm"] == 0.1
    draft["measurements"][3] = {"name": "tiny", "type": "width", "feature": "slot",
                                "nominal_mm": 0.3, "iso2768": "m"}
    r = client.post("/api/recipe", json=draft)
    assert r.status_code == 422 and "no general tolerance" in r.json()["error"]
    assert r.json()["where"] == {"list": "measurements", "index": 3, "field": "tolerance_mm"}


def test_save_is_what_inspect_runs(client, scene, tmp_path):
    draft = _draft(client.get("/api/state").json())
    draft["tools"][0] = dict(draft["tools"][0], center_xy=[200.0, 240.0], radius=38.0)
    draft["measurements"][0]["tolerance_mm"] = 0.01
    out = client.post("/api/save", json=draft).json()
    assert out["saved"] == "plate.recipe.json"
    saved = Recipe.load(scene["recipe"])
    assert saved.to_dict() == client.studio.recipe.to_dict()
    runs = client.post("/api/run").json()
    assert [r["status"] for r in runs["rows"]] == ["pass", "pass", "fail"]   # part 3: Ø 4.1
    assert runs["limits"]["hole_a_d"] == {"unit": "mm", "nominal": 4.0, "min": 3.99,
                                          "max": 4.01}
    jsonl = tmp_path / "results.jsonl"
    code = cli.main(["inspect", str(scene["recipe"]), str(scene["images"]), "-o", str(jsonl)])
    assert code == 1   # one part fails
    lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
    for row, line in zip(runs["rows"], lines):
        assert Path(line["image"]).name == row["image"].split("/")[-1]
        assert line["status"] == row["status"]
        for m in line["measurements"]:
            assert m["value"] == pytest.approx(row["values"][m["name"]], abs=1e-12)
    overlay = client.get("/api/overlay", params={"name": "images/part_03.png"})
    assert overlay.status_code == 200 and overlay.content[:4] == b"\x89PNG"


def test_teach_and_import_dxf(tmp_path):
    ezdxf = pytest.importorskip("ezdxf", reason="Import DXF needs ezdxf (dxf extra)")
    from metrology.core.pose import Pose2D
    from metrology.synth.drawn import ScaleStation, render_drawn_part
    from metrology.teach.dxf import read_dxf

    folder = tmp_path / "rec"
    folder.mkdir()
    doc = ezdxf.new("R2010", units=4)
    msp = doc.modelspace()
    for a, b in [((0, 0), (30, 0)), ((30, 0), (30, 20)), ((30, 20), (0, 20)), ((0, 20), (0, 0))]:
        msp.add_line(a, b)
    msp.add_circle((10, 10), 4.0)
    doc.saveas(folder / "plate.dxf")
    station = ScaleStation(0.08, (640, 480))
    g = read_dxf(folder / "plate.dxf").geometry
    lo = g.bounds()                              # the part's centre at the view's, turned
    turn = Pose2D(0.0, 0.0, 8.0)
    t = np.array([639 / 2, 479 / 2]) * 0.08 - turn.apply([[(lo[0] + lo[2]) / 2,
                                                          (lo[1] + lo[3]) / 2]])[0]
    img = render_drawn_part(station, g, Pose2D(t[0], t[1], 8.0), rng=3).image
    cv2.imwrite(str(folder / "golden.png"), img)
    studio = Studio(folder / "new.recipe.json", station=0.08)
    c = TestClient(create_app(studio, TOKEN), base_url="http://127.0.0.1")
    c.headers["X-Studio-Token"] = TOKEN
    assert c.get("/api/state").json()["has_recipe"] is False
    st = c.post("/api/teach", json={"image": "golden.png", "tolerance": "ISO2768-m"}).json()
    assert st["recipe"]["units"] == "mm" and st["evaluation"]["status"] == "pass"
    kinds = {m["spec"]["type"] for m in st["evaluation"]["measurements"]}
    assert "diameter" in kinds
    d = next(m for m in st["evaluation"]["measurements"] if m["spec"]["type"] == "diameter")
    assert abs(d["result"]["value"] - 8.0) < 0.01
    c.post("/api/save", json={})
    again = Recipe.load(folder / "new.recipe.json")      # the taught model was written too
    assert again.run(img).status == "pass"
    st = c.post("/api/dxf", json={"drawing": "plate.dxf", "polarity": "bright"}).json()
    assert st["evaluation"]["status"] == "pass"
    d = next(m for m in st["evaluation"]["measurements"] if m["spec"]["type"] == "diameter")
    assert abs(d["result"]["value"] - 8.0) < 0.01


# ---------------------------------------------------------------------------------------
# security
# ---------------------------------------------------------------------------------------
def test_token_required_on_every_request(client):
    bare = TestClient(client.app, base_url="http://127.0.0.1")
    for path in ("/", "/static/studio.js", "/api/state", "/api/image?name=golden.png"):
        r = bare.get(path)
        assert r.status_code == 403 and "token" in r.json()["error"]
        assert bare.get(path + ("&" if "?" in path else "?") + "token=wrong").status_code == 403
    assert bare.post("/api/save", json={}).status_code == 403
    assert bare.get(f"/api/state?token={TOKEN}").status_code == 200


def test_other_hosts_refused(client):
    evil = TestClient(client.app, base_url="http://evil.example")
    evil.headers["X-Studio-Token"] = TOKEN
    assert evil.get("/api/state").status_code == 400


def test_path_traversal_refused(client, scene):
    (scene["folder"].parent / "secret.png").write_bytes(
        cv2.imencode(".png", np.zeros((4, 4), np.uint8))[1].tobytes())
    for name in ("../secret.png", "/etc/passwd", "images/../secret.png", "..%2Fsecret.png",
                 str(scene["folder"].parent / "secret.png"), "plate.recipe.json"):
        r = client.get("/api/image", params={"name": name})
        assert r.status_code == 400 and "not an image of the recipe folder" in r.json()["error"]
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/session.py").status_code == 404
    for name in ("../up.png", "sub/up.png", ".hidden.png", "a..png"):
        r = client.put("/api/upload", params={"name": name}, content=b"x")
        assert r.status_code == 400 and "plain file name" in r.json()["error"]
    assert client.post("/api/dxf", json={"drawing": "../x.dxf"}).status_code == 400
    # a link inside the folder that leads outside is neither listed nor served
    (scene["folder"] / "link.png").symlink_to(scene["folder"].parent / "secret.png")
    assert "link.png" not in client.get("/api/state").json()["images"]
    assert client.get("/api/image", params={"name": "link.png"}).status_code == 400


def test_uploads_checked(client, scene):
    png = cv2.imencode(".png", np.full((30, 40), 128, np.uint8))[1].tobytes()
    r = client.put("/api/upload", params={"name": "new_part.png"}, content=png)
    assert r.status_code == 200 and "new_part.png" in r.json()["state"]["images"]
    assert (scene["folder"] / "new_part.png").read_bytes() == png
    r = client.put("/api/upload", params={"name": "big.png"}, content=b"\0" * 200_001)
    assert r.status_code == 413 and "upload too large" in r.json()["error"]
    assert not (scene["folder"] / "big.png").exists()
    r = client.put("/api/upload", params={"name": "fake.png"}, content=b"not a picture")
    assert r.status_code == 400 and "not an image" in r.json()["error"]
    r = client.put("/api/upload", params={"name": "tool.py"}, content=b"print(1)")
    assert r.status_code == 400 and "only images" in r.json()["error"]
    r = client.put("/api/upload", params={"name": "d.dxf"}, content=b"hello")
    assert r.status_code == 400 and "not a DXF" in r.json()["error"]
    assert sorted(p.name for p in scene["folder"].iterdir()) == [
        "golden.png", "new_part.png", "plate.recipe.json"]
    r = client.post("/api/recipe", content=b"{" + b" " * (5 * 2**20) + b"}",
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_no_paths_or_code_from_the_page(client, scene):
    before = client.studio.recipe.to_dict()
    for extra in ({"station": {"calibration": "/etc/passwd", "plane": {"view": 0}}},
                  {"model": {"file": "../../x.model.json"}}, {"path": "/tmp/x.json"}):
        r = client.post("/api/recipe", json={"name": "x", **extra})
        assert r.status_code == 422 and "only the name, tools and measurements" in \
            r.json()["error"]
    r = client.post("/api/recipe", json={"tools": [{"type": "os.system", "name": "x"}]})
    assert r.status_code == 422 and "unknown tool type" in r.json()["error"]
    assert client.studio.recipe.to_dict() == before
    # Save writes only the recipe it was started with
    client.post("/api/save", json={})
    assert sorted(p.name for p in scene["folder"].iterdir()) == ["golden.png",
                                                                 "plate.recipe.json"]


def test_binds_loopback_by_default(scene):
    args = cli.build_parser().parse_args(["studio", str(scene["recipe"])])
    assert args.host == "127.0.0.1" and args.port == 0
    studio = Studio(scene["recipe"])
    url, server, thread = start_server(studio)
    try:
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        import time
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        sock = server.servers[0].sockets[0]
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        server.should_exit = True
        thread.join(10)


def test_station_option(tmp_path):
    assert parse_station("0.05", None, tmp_path) == 0.05
    assert parse_station(None, None, tmp_path) is None
    (tmp_path / "station.json").write_text("{}")
    (tmp_path / "plane.png").write_bytes(b"")
    assert parse_station(str(tmp_path / "station.json"), str(tmp_path / "plane.png"),
                         tmp_path) == {"calibration": "station.json",
                                       "plane": {"board_image": "plane.png"}}
    from metrology.errors import InputError
    with pytest.raises(InputError, match="positive pixel size"):
        parse_station("-1", None, tmp_path)
    with pytest.raises(InputError, match="needs --plane"):
        parse_station(str(tmp_path / "station.json"), None, tmp_path)


def test_import_metrology_never_imports_the_web_stack():
    import subprocess

    code = ("import sys, metrology, metrology.cli; metrology.cli.build_parser(); "
            "import metrology.studio; "
            "bad = [m for m in ('starlette', 'uvicorn', 'anyio', 'selenium') if m in sys.modules];"
            "print(bad); sys.exit(bool(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_command_prints_its_url_and_serves(scene):
    import subprocess
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "metrology", "studio", str(scene["recipe"]),
                             "--images", str(scene["images"]), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("metrology studio: http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split(": ", 1)[1]
        with urllib.request.urlopen(url, timeout=60) as r:
            assert r.status == 200 and b"metrology studio" in r.read()
        bare = url.split("?")[0] + "api/state"
        with pytest.raises(urllib.error.HTTPError, match="403"):
            urllib.request.urlopen(bare, timeout=60)
    finally:
        proc.terminate()
        proc.wait(30)
