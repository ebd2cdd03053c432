// metrology studio page: draws what the server describes and sends edits back.
// No measurement happens here: edge points, fits, values and pass/fail come from the
// server (the library's Recipe.run / Tool.measure).  Tools are edited in view pixels.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const SVGNS = "http://www.w3.org/2000/svg";
const $ = (sel) => document.querySelector(sel);

const S = {
  state: null,      // /api/state
  ev: null,         // evaluation on the image shown
  tools: [],        // draft tools: view-pixel flat dicts, with _src (index on the server)
  meas: [],         // draft measurement specs (recipe format)
  sel: -1,          // selected tool
  selMeas: -1,      // selected measurement row
  live: {},         // tool name -> last preview
  box: null,        // viewBox {x, y, w, h}
  imageVersion: 0,
  runs: null,
  latencies: [],    // edit-to-redraw latencies (ms) of live previews
};
window.studio = S;

// ------------------------------------------------------------------ server ----------
async function api(method, path, body, raw) {
  const opts = { method, headers: { "X-Studio-Token": TOKEN } };
  if (raw !== undefined) {
    opts.body = raw;
  } else if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  let doc = null;
  try { doc = await resp.json(); } catch (e) { doc = { error: `HTTP ${resp.status}` }; }
  if (!resp.ok) {
    const err = new Error(doc.error || `HTTP ${resp.status}`);
    err.where = doc.where || {};
    err.status = resp.status;
    throw err;
  }
  return doc;
}

function status(text) { $("#status").textContent = text; }

function showError(err) {
  const bar = $("#error-bar");
  if (!err) { bar.hidden = true; bar.textContent = ""; return; }
  bar.hidden = false;
  bar.textContent = err.message || String(err);
}

// ------------------------------------------------------------------ state -----------
function fillSelect(sel, items, value) {
  sel.innerHTML = "";
  for (const item of items) {
    const o = document.createElement("option");
    o.value = o.textContent = item;
    sel.appendChild(o);
  }
  if (value !== undefined) sel.value = value;
}

function applyState(st) {
  S.state = st;
  $("#recipe-file").textContent = st.recipe_file + (st.has_recipe ? "" : " (new)");
  fillSelect($("#image-select"), st.images, st.image || "");
  fillSelect($("#dxf-select"), st.drawings);
  if (st.runs) applyRuns(st.runs);
  if (st.evaluation) applyEval(st.evaluation, true);
  else { S.ev = null; S.tools = []; S.meas = []; render(); }
  if (!st.has_recipe) status("no recipe yet: Teach from an image or Import a DXF drawing");
}

function applyEval(ev, newImage) {
  const sizeChanged = !S.ev || S.ev.size[0] !== ev.size[0] || S.ev.size[1] !== ev.size[1];
  if (newImage || sizeChanged || !S.ev || S.ev.image !== ev.image) S.imageVersion += 1;
  S.ev = ev;
  S.tools = ev.tools.map((t, i) => Object.assign({}, t.dict || { name: t.name, type: t.type }, { _src: i }));
  S.meas = ev.measurements.map((m) => Object.assign({}, m.spec));
  S.live = {};
  if (S.sel >= S.tools.length) S.sel = -1;
  if (S.selMeas >= S.meas.length) S.selMeas = -1;
  if (sizeChanged || !S.box) fitView();
  render();
  status(`${ev.image}: ${ev.status}` + (ev.error ? ` (${ev.error})` : "") +
         ` · evaluated in ${ev.server_ms} ms`);
}

function draft() {
  return { name: S.state && S.state.recipe ? S.state.recipe.name : "",
           tools: S.tools, measurements: S.meas };
}

async function commit() {
  try {
    const ev = await api("POST", "api/recipe", draft());
    showError(null);
    clearFieldErrors();
    applyEval(ev);
    return true;
  } catch (err) { fieldError(err); return false; }
}

// ------------------------------------------------------------------ errors next to fields
function clearFieldErrors() {
  document.querySelectorAll(".field-error").forEach((e) => e.remove());
  document.querySelectorAll("#tool-list li.bad").forEach((e) => e.classList.remove("bad"));
}

function fieldError(err) {
  clearFieldErrors();
  const w = err.where || {};
  let placed = false;
  if (w.list === "tools" && w.index !== undefined) {
    S.sel = w.index;
    render();
    const li = document.querySelector(`#tool-list li[data-i="${w.index}"]`);
    if (li) li.classList.add("bad");
    placed = attachError("#tool-panel", w.field, err.message);
  } else if (w.list === "measurements" && w.index !== undefined) {
    S.selMeas = w.index;
    renderMeasurements();
    placed = attachError("#meas-form", w.field, err.message);
  }
  showError(placed ? null : err);
  status(placed ? "not applied: see the message next to the field" : "not applied");
}

function attachError(container, field, message) {
  const root = $(container);
  let target = field ? root.querySelector(`[data-field="${field}"]`) : null;
  if (!target) target = root.querySelector("[data-field]");
  if (!target) return false;
  const span = document.createElement("span");
  span.className = "field-error";
  span.textContent = message;
  span.dataset.for = field || "";
  target.closest("label, div").appendChild(span);
  return true;
}

// ------------------------------------------------------------------ view: zoom, pan --
function svgPoint(evt) {
  const svg = $("#view");
  const p = svg.createSVGPoint();
  p.x = evt.clientX; p.y = evt.clientY;
  return p.matrixTransform(svg.getScreenCTM().inverse());
}

function fitView() {
  if (!S.ev) return;
  const [w, h] = S.ev.size;
  S.box = { x: 0, y: 0, w, h };
  applyBox();
}

function applyBox() {
  const b = S.box;
  $("#view").setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
}

function setupViewEvents() {
  const svg = $("#view");
  svg.addEventListener("wheel", (evt) => {
    if (!S.box) return;
    evt.preventDefault();
    const p = svgPoint(evt);
    const k = evt.deltaY > 0 ? 1.2 : 1 / 1.2;
    const b = S.box;
    S.box = { x: p.x - (p.x - b.x) * k, y: p.y - (p.y - b.y) * k, w: b.w * k, h: b.h * k };
    applyBox();
  }, { passive: false });
  svg.addEventListener("pointerdown", onPointerDown);
  svg.addEventListener("pointermove", onPointerMove);
  svg.addEventListener("pointerup", onPointerUp);
  svg.addEventListener("pointercancel", onPointerUp);
  svg.addEventListener("dblclick", fitView);
}

let drag = null;

function onPointerDown(evt) {
  const target = evt.target;
  const p = svgPoint(evt);
  const g = target.closest("[data-i]");
  $("#view").setPointerCapture(evt.pointerId);
  if (g && S.ev && S.ev.editable) {
    const i = +g.dataset.i;
    if (S.sel !== i) { S.sel = i; render(); requestPreview(i); }
    drag = { kind: "tool", i, handle: target.dataset.handle || "move", start: p,
             orig: JSON.parse(JSON.stringify(S.tools[i])), moved: false };
  } else {
    drag = { kind: "pan", start: { x: evt.clientX, y: evt.clientY }, box: Object.assign({}, S.box) };
  }
}

function onPointerMove(evt) {
  if (!drag) return;
  if (drag.kind === "pan") {
    if (!S.box) return;
    const svg = $("#view");
    const scale = S.box.w / svg.clientWidth;
    const sy = S.box.h / svg.clientHeight;
    const k = Math.max(scale, sy);
    S.box = Object.assign({}, drag.box, { x: drag.box.x - (evt.clientX - drag.start.x) * k,
                                          y: drag.box.y - (evt.clientY - drag.start.y) * k });
    applyBox();
    return;
  }
  const p = svgPoint(evt);
  const t = edited(drag.orig, drag.handle, drag.start, p);
  t._src = drag.orig._src;
  S.tools[drag.i] = t;
  drag.moved = true;
  renderTools();
  requestPreview(drag.i);
}

async function onPointerUp() {
  const d = drag;
  drag = null;
  if (d && d.kind === "tool" && d.moved) {
    renderToolPanel();
    await commit();
  }
}

// geometry of an edit in view pixels (display only: the server measures)
function edited(orig, handle, start, p) {
  const t = JSON.parse(JSON.stringify(orig));
  const dx = p.x - start.x, dy = p.y - start.y;
  const mv = (q) => [q[0] + dx, q[1] + dy];
  const round = (v) => Math.round(v * 1000) / 1000;
  const rp = (q) => [round(q[0]), round(q[1])];
  if (t.center_xy) {
    const c = t.center_xy;
    if (handle === "move") t.center_xy = rp(mv(c));
    else if (handle === "radius") t.radius = round(Math.max(1, Math.hypot(p.x - c[0], p.y - c[1])));
    else if (handle === "a") {
      t.semi_axes = [round(Math.max(1, Math.hypot(p.x - c[0], p.y - c[1]))), t.semi_axes[1]];
      t.angle_deg = round(Math.atan2(p.y - c[1], p.x - c[0]) * 180 / Math.PI);
    } else if (handle === "b") {
      const a = t.angle_deg * Math.PI / 180;
      const v = -(p.x - c[0]) * Math.sin(a) + (p.y - c[1]) * Math.cos(a);
      t.semi_axes = [t.semi_axes[0], round(Math.max(1, Math.abs(v)))];
    } else if (handle === "rotate") {
      const a0 = Math.atan2(start.y - c[1], start.x - c[0]);
      const a1 = Math.atan2(p.y - c[1], p.x - c[0]);
      const turn = (a1 - a0) * 180 / Math.PI;
      if ("angle_deg" in t) t.angle_deg = round(orig.angle_deg + turn);
      else t.arc_start_deg = round(orig.arc_start_deg + turn);
    }
    return t;
  }
  // line, edge pair: p0 -> p1
  if (handle === "move") { t.p0_xy = rp(mv(t.p0_xy)); t.p1_xy = rp(mv(t.p1_xy)); }
  else if (handle === "p0") t.p0_xy = rp([p.x, p.y]);
  else if (handle === "p1") t.p1_xy = rp([p.x, p.y]);
  else if (handle === "rotate") {
    const m = [(orig.p0_xy[0] + orig.p1_xy[0]) / 2, (orig.p0_xy[1] + orig.p1_xy[1]) / 2];
    const a = Math.atan2(p.y - m[1], p.x - m[0]) - Math.atan2(start.y - m[1], start.x - m[0]);
    const rot = (q) => {
      const x = q[0] - m[0], y = q[1] - m[1];
      return rp([m[0] + x * Math.cos(a) - y * Math.sin(a), m[1] + x * Math.sin(a) + y * Math.cos(a)]);
    };
    t.p0_xy = rot(orig.p0_xy); t.p1_xy = rot(orig.p1_xy);
  }
  return t;
}

// ------------------------------------------------------------------ live preview ----
const inflight = {};

function requestPreview(i) {
  const tool = S.tools[i];
  if (!tool) return;
  const key = tool.name;
  const job = inflight[key] || (inflight[key] = { busy: false, next: null });
  job.next = { tool: JSON.parse(JSON.stringify(tool)), t0: performance.now(), i };
  if (!job.busy) pump(key);
}

async function pump(key) {
  const job = inflight[key];
  if (!job.next) { job.busy = false; return; }
  const { tool, t0, i } = job.next;
  job.next = null;
  job.busy = true;
  try {
    const out = await api("POST", "api/preview", { tool });
    S.live[key] = out;
    renderLive();
    renderToolPanelLive(i);
    S.latencies.push(performance.now() - t0);
  } catch (err) {
    S.live[key] = { error: err.message };
    renderLive();
  }
  pump(key);
}

// ------------------------------------------------------------------ drawing ---------
function el(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function drawPrimitive(p, parent, cls) {
  if (p.shape === "Circle") el("circle", { cx: p.center_xy[0], cy: p.center_xy[1], r: p.radius, class: cls }, parent);
  else if (p.shape === "Ellipse") el("ellipse", { cx: p.center_xy[0], cy: p.center_xy[1], rx: p.semi_axes[0],
    ry: p.semi_axes[1], transform: `rotate(${p.angle_deg} ${p.center_xy[0]} ${p.center_xy[1]})`, class: cls }, parent);
  else if (p.shape === "Segment") el("line", { x1: p.p0_xy[0], y1: p.p0_xy[1], x2: p.p1_xy[0], y2: p.p1_xy[1], class: cls }, parent);
  else if (p.shape === "Polygons") {
    const d = p.corners_xy.map((poly) => "M" + poly.map((q) => `${q[0]},${q[1]}`).join("L") + "Z").join("");
    el("path", { d, class: cls }, parent);
  }
}

function drawPoints(points, parent, cls) {
  if (!points || !points.length) return;
  const r = S.box ? Math.max(S.box.w / 500, 0.6) : 1.5;
  const d = points.map((q) => `M${q[0] - r},${q[1]}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`).join("");
  el("path", { d, class: cls }, parent);
}

function render() {
  const bg = $("#bg");
  if (S.ev) {
    const [w, h] = S.ev.size;
    bg.setAttribute("width", w); bg.setAttribute("height", h);
    const href = `api/image?name=${encodeURIComponent(S.ev.image)}&token=${TOKEN}&v=${S.imageVersion}`;
    if (bg.getAttribute("href") !== href) bg.setAttribute("href", href);
    $("#view-info").textContent = `${S.ev.image} · ${w}×${h} px (${S.ev.view})` +
      (S.ev.editable ? "" : " · part not found: tools cannot be edited on this image");
  }
  renderFits();
  renderTools();
  renderLive();
  renderToolList();
  renderToolPanel();
  renderMeasurements();
}

function renderFits() {
  const g = $("#fits");
  g.innerHTML = "";
  if (!S.ev) return;
  for (const [name, f] of Object.entries(S.ev.fits)) {
    if (S.live[name]) continue;             // the live preview replaces it
    (f.fit || []).forEach((p) => drawPrimitive(p, g, "fit"));
    drawPoints(f.used, g, "used");
    drawPoints(f.rejected, g, "rejected");
  }
}

function renderLive() {
  const g = $("#live");
  g.innerHTML = "";
  for (const [name, out] of Object.entries(S.live)) {
    if (!out || out.error) continue;
    (out.calipers || []).forEach((p) => drawPrimitive(p, g, "caliper"));
    (out.fit || []).forEach((p) => drawPrimitive(p, g, "fit"));
    drawPoints(out.used, g, "used");
    drawPoints(out.rejected, g, "rejected");
  }
  renderFits();
}

function handle(g, x, y, name, extra) {
  const r = S.box ? Math.max(S.box.w / 160, 2) : 4;
  el("circle", { cx: x, cy: y, r, class: "handle" + (extra ? " " + extra : ""), "data-handle": name }, g);
}

function renderTools() {
  const root = $("#tools");
  root.innerHTML = "";
  S.tools.forEach((t, i) => {
    const g = el("g", { "data-i": i, class: "tool" + (i === S.sel ? " selected" : ""), "data-name": t.name }, root);
    let label = [0, 0];
    if (t.center_xy && t.semi_axes) {
      const [cx, cy] = t.center_xy;
      for (const cls of ["tool-hit", "tool-shape"]) el("ellipse", { cx, cy, rx: t.semi_axes[0], ry: t.semi_axes[1],
        transform: `rotate(${t.angle_deg} ${cx} ${cy})`, class: cls }, g);
      label = [cx, cy];
      if (i === S.sel) {
        const a = t.angle_deg * Math.PI / 180;
        handle(g, cx + t.semi_axes[0] * Math.cos(a), cy + t.semi_axes[0] * Math.sin(a), "a");
        handle(g, cx - t.semi_axes[1] * Math.sin(a), cy + t.semi_axes[1] * Math.cos(a), "b");
      }
    } else if (t.center_xy) {
      const [cx, cy] = t.center_xy;
      for (const cls of ["tool-hit", "tool-shape"]) el("circle", { cx, cy, r: t.radius, class: cls }, g);
      el("circle", { cx, cy, r: Math.max(t.radius * 0.15, 3), class: "tool-hit" }, g);
      label = [cx, cy - t.radius];
      if (i === S.sel) {
        const a = (t.arc_start_deg || 0) * Math.PI / 180;
        handle(g, cx + t.radius * Math.cos(a), cy + t.radius * Math.sin(a), "radius");
        if (t.arc_extent_deg < 360) {
          handle(g, cx + (t.radius + 12) * Math.cos(a), cy + (t.radius + 12) * Math.sin(a), "rotate", "rotate");
        }
      }
    } else if (t.p0_xy) {
      const [x0, y0] = t.p0_xy, [x1, y1] = t.p1_xy;
      for (const cls of ["tool-hit", "tool-shape"]) el("line", { x1: x0, y1: y0, x2: x1, y2: y1, class: cls }, g);
      // the direction p0 -> p1 (orients the line): a small arrow head
      const a = Math.atan2(y1 - y0, x1 - x0), s = 8;
      el("path", { d: `M${x1 - s * Math.cos(a - 0.4)},${y1 - s * Math.sin(a - 0.4)}L${x1},${y1}L${x1 - s * Math.cos(a + 0.4)},${y1 - s * Math.sin(a + 0.4)}`, class: "tool-shape" }, g);
      label = [x0, y0];
      if (i === S.sel) {
        handle(g, x0, y0, "p0");
        handle(g, x1, y1, "p1");
        const mx = (x0 + x1) / 2, my = (y0 + y1) / 2, L = Math.hypot(x1 - x0, y1 - y0) || 1;
        handle(g, mx - (y1 - y0) / L * 16, my + (x1 - x0) / L * 16, "rotate", "rotate");
      }
    }
    const text = el("text", { x: label[0] + 4, y: label[1] - 4, class: "label" }, g);
    text.textContent = t.name;
  });
}

// ------------------------------------------------------------------ tool panel ------
function renderToolList() {
  const ul = $("#tool-list");
  ul.innerHTML = "";
  S.tools.forEach((t, i) => {
    const li = document.createElement("li");
    li.dataset.i = i;
    li.textContent = `${t.name} (${t.type})`;
    if (i === S.sel) li.className = "selected";
    li.onclick = () => { S.sel = i; render(); requestPreview(i); };
    ul.appendChild(li);
  });
}

const GEOMETRY_FIRST = ["name", "center_xy", "radius", "semi_axes", "angle_deg", "p0_xy", "p1_xy",
  "width", "num_calipers", "caliper_length", "caliper_width", "arc_start_deg", "arc_extent_deg"];

function renderToolPanel() {
  const panel = $("#tool-panel");
  panel.innerHTML = "";
  const t = S.tools[S.sel];
  if (!t) { panel.textContent = S.tools.length ? "select a tool on the image or in the list" : ""; return; }
  const keys = Object.keys(t).filter((k) => k !== "_src" && k !== "type");
  keys.sort((a, b) => (GEOMETRY_FIRST.indexOf(a) + 1 || 99) - (GEOMETRY_FIRST.indexOf(b) + 1 || 99));
  const head = document.createElement("div");
  head.innerHTML = `<b>${t.type}</b> (view pixels) <button id="del-tool">delete</button> <span class="live" id="tool-live"></span>`;
  panel.appendChild(head);
  for (const k of keys) {
    const label = document.createElement("label");
    label.textContent = k + " ";
    const v = t[k];
    const input = document.createElement("input");
    input.dataset.field = k;
    input.name = k;
    if (Array.isArray(v)) { input.value = v.join(", "); input.className = "wide"; }
    else if (typeof v === "boolean") { input.type = "checkbox"; input.checked = v; }
    else input.value = v === null ? "" : v;
    if (k === "name") input.className = "wide";
    input.onchange = () => onToolField(k, input);
    label.appendChild(input);
    panel.appendChild(label);
  }
  $("#del-tool").onclick = () => deleteTool(S.sel);
  renderToolPanelLive(S.sel);
}

function renderToolPanelLive(i) {
  const span = $("#tool-live");
  const t = S.tools[i];
  if (!span || i !== S.sel || !t) return;
  const out = S.live[t.name];
  if (!out) { span.textContent = ""; return; }
  if (out.error) { span.textContent = out.error; span.className = "field-error"; return; }
  span.className = "live";
  const mm = out.mm || {};
  const parts = [];
  if (mm.radius !== undefined) parts.push(`Ø ${(2 * mm.radius).toFixed(4)} mm`);
  if (mm.width !== undefined) parts.push(`width ${mm.width.toFixed(4)} mm`);
  if (mm.semi_axes) parts.push(`axes ${(2 * mm.semi_axes[0]).toFixed(4)} × ${(2 * mm.semi_axes[1]).toFixed(4)} mm`);
  parts.push(`${out.used.length} edge points, ${out.rejected.length} rejected · ${out.server_ms} ms`);
  span.textContent = "live: " + parts.join(" · ");
}

function parseValue(old, input) {
  if (input.type === "checkbox") return input.checked;
  const s = input.value.trim();
  if (Array.isArray(old)) return s.split(/[,\s]+/).filter((x) => x).map(Number);
  if (typeof old === "number" || old === null) return s === "" ? null : Number(s);
  return s;
}

async function onToolField(k, input) {
  const t = Object.assign({}, S.tools[S.sel]);
  const old = t[k];
  t[k] = parseValue(old, input);
  if (k === "name" && old !== t[k]) renameReferences(old, t[k]);
  S.tools[S.sel] = t;
  await commit();
}

function renameReferences(oldName, newName) {
  for (const m of S.meas) {
    for (const f of ["feature", "from", "to"]) if (m[f] === oldName) m[f] = newName;
    if (m.datum) for (const f of ["origin", "x_axis", "y_towards"]) if (m.datum[f] === oldName) m.datum[f] = newName;
  }
}

function usesTool(m, name) {
  return [m.feature, m.from, m.to].includes(name) ||
    (m.datum && [m.datum.origin, m.datum.x_axis, m.datum.y_towards].includes(name));
}

async function deleteTool(i) {
  const name = S.tools[i].name;
  const users = S.meas.filter((m) => usesTool(m, name)).map((m) => m.name);
  if (users.length && !confirm(`delete ${name} and the measurements using it (${users.join(", ")})?`)) return;
  S.tools.splice(i, 1);
  S.meas = S.meas.filter((m) => !usesTool(m, name));
  S.sel = -1;
  await commit();
}

function newName(prefix) {
  const names = new Set(S.tools.map((t) => t.name));
  for (let k = 1; ; k++) if (!names.has(`${prefix}_${k}`)) return `${prefix}_${k}`;
}

async function addTool(type) {
  if (!S.ev || !S.ev.editable) { showError(new Error("no image with the part to add a tool on")); return; }
  const b = S.box, cx = b.x + b.w / 2, cy = b.y + b.h / 2, s = Math.min(b.w, b.h) / 8;
  const r3 = (v) => Math.round(v * 10) / 10;
  const t = { type, name: newName(type) };
  if (type === "circle") Object.assign(t, { center_xy: [r3(cx), r3(cy)], radius: r3(s) });
  else if (type === "ellipse") Object.assign(t, { center_xy: [r3(cx), r3(cy)], semi_axes: [r3(s * 1.5), r3(s)], angle_deg: 0 });
  else Object.assign(t, { p0_xy: [r3(cx - s), r3(cy)], p1_xy: [r3(cx + s), r3(cy)] });
  S.tools.push(t);
  if (await commit()) { S.sel = S.tools.length - 1; render(); requestPreview(S.sel); }
  else S.tools.pop();
}

// ------------------------------------------------------------------ measurements ----
const fmt = (v, d = 4) => (v === null || v === undefined ? "" : Number(v).toFixed(d));

function tolText(spec) {
  const u = spec.type === "angle" ? "deg" : "mm";
  const t = spec[`tolerance_${u}`];
  if (Array.isArray(t)) return `${t[0] >= 0 ? "+" : ""}${t[0]} / +${t[1]}`;
  if (t !== undefined) return `± ${t}`;
  const lo = spec[`min_${u}`], hi = spec[`max_${u}`];
  if (lo !== undefined || hi !== undefined) return `${lo ?? ""} … ${hi ?? ""}`;
  return "";
}

function renderMeasurements() {
  const body = $("#meas-table tbody");
  body.innerHTML = "";
  const rows = S.ev ? S.ev.measurements : [];
  S.meas.forEach((spec, i) => {
    const res = (rows[i] && rows[i].spec.name === spec.name) ? rows[i].result : {};
    const tr = document.createElement("tr");
    tr.dataset.name = spec.name;
    const cls = res.passed === true ? "pass" : res.passed === false ? "fail" : "none";
    tr.className = (i === S.selMeas ? "selected " : "") + cls;
    const u = spec.type === "angle" ? "deg" : "mm";
    const feats = spec.feature ? spec.feature : `${spec.from} → ${spec.to}`;
    const cells = [spec.name, spec.type + (spec.axis && spec.type === "position" ? ` ${spec.axis}` : ""), feats,
      spec[`nominal_${u}`] === undefined ? "" : +Number(spec[`nominal_${u}`]).toFixed(6), tolText(spec), res.value === null || res.value === undefined ? (res.error ? "n/a" : "") : `${fmt(res.value)} ${res.unit}`,
      fmt(res.deviation), res.passed === true ? "pass" : res.passed === false ? "FAIL" : "—"];
    cells.forEach((c, k) => {
      const td = document.createElement("td");
      td.textContent = c;
      if (k >= 3 && k <= 6) td.className = "num";
      td.dataset.col = ["name", "type", "features", "nominal", "tolerance", "value", "deviation", "status"][k];
      if (k === 5 && res.error) td.title = res.error;
      tr.appendChild(td);
    });
    tr.onclick = () => { S.selMeas = i; renderMeasurements(); };
    body.appendChild(tr);
  });
  renderMeasForm();
}

const MEAS_TYPES = ["diameter", "radius", "width", "distance", "angle", "position"];

function renderMeasForm() {
  const form = $("#meas-form");
  form.innerHTML = "";
  const m = S.meas[S.selMeas];
  if (!m) return;
  const u = m.type === "angle" ? "deg" : "mm";
  const names = S.tools.map((t) => t.name);
  const add = (field, label, control) => {
    const l = document.createElement("label");
    l.textContent = label + " ";
    control.dataset.field = field;
    control.name = field;
    l.appendChild(control);
    form.appendChild(l);
    return control;
  };
  const input = (v, wide) => { const e = document.createElement("input"); e.value = v ?? ""; if (wide) e.className = "wide"; return e; };
  const select = (opts, v) => {
    const e = document.createElement("select");
    for (const o of opts) { const op = document.createElement("option"); op.value = op.textContent = o; e.appendChild(op); }
    e.value = v ?? "";
    return e;
  };
  const c = {};
  c.name = add("name", "name", input(m.name, true));
  c.type = add("type", "type", select(MEAS_TYPES, m.type));
  if (["diameter", "radius", "width", "position"].includes(m.type)) c.feature = add("feature", "feature", select(names, m.feature));
  else { c.from = add("from", "from", select(names, m.from)); c.to = add("to", "to", select(names, m.to)); }
  if (m.type === "diameter" || m.type === "radius") c.which = add("which", "which", select(["mean", "major", "minor"], m.which || "mean"));
  if (m.type === "position") {
    const d = m.datum || {};
    c.axis = add("axis", "axis", select(["x", "y", "true_position"], m.axis || "x"));
    c.origin = add("origin", "datum origin", select(names, d.origin));
    c.x_axis = add("x_axis", "datum x axis", select(names, d.x_axis));
    c.y_towards = add("y_towards", "y towards", select(["", ...names], d.y_towards || ""));
  }
  const tol = m[`tolerance_${u}`];
  const mode = Array.isArray(tol) ? "asym" : tol !== undefined ? "pm" :
    (m[`min_${u}`] !== undefined || m[`max_${u}`] !== undefined) ? "limits" : "none";
  c.nominal = add(`nominal_${u}`, `nominal (${u})`, input(m[`nominal_${u}`]));
  c.mode = add("tolerance_mode", "tolerance", select(["pm", "asym", "limits", "ISO 2768-f", "ISO 2768-m", "ISO 2768-c", "ISO 2768-v", "none"], mode));
  c.tol = add(`tolerance_${u}`, "± / lower, upper", input(Array.isArray(tol) ? tol.join(", ") : tol, true));
  c.min = add(`min_${u}`, "min", input(m[`min_${u}`]));
  c.max = add(`max_${u}`, "max", input(m[`max_${u}`]));
  const apply = document.createElement("button"); apply.textContent = "apply"; apply.id = "meas-apply";
  const del = document.createElement("button"); del.textContent = "delete"; del.id = "meas-delete";
  const cur = document.createElement("button"); cur.textContent = "nominal = value"; cur.id = "meas-nominal-now";
  form.append(apply, cur, del);
  c.type.onchange = () => { S.meas[S.selMeas] = Object.assign(readMeasForm(c, m), { type: c.type.value }); renderMeasForm(); };
  apply.onclick = async () => { S.meas[S.selMeas] = readMeasForm(c, m); await commit(); };
  del.onclick = async () => { S.meas.splice(S.selMeas, 1); S.selMeas = -1; await commit(); };
  cur.onclick = () => {
    const row = S.ev && S.ev.measurements[S.selMeas];
    if (row && row.result.value !== null) c.nominal.value = Number(row.result.value.toFixed(4));
  };
}

function readMeasForm(c, m) {
  const type = c.type.value;
  const u = type === "angle" ? "deg" : "mm";
  const out = { name: c.name.value.trim(), type };
  if (c.feature) out.feature = c.feature.value;
  if (c.from) { out.from = c.from.value; out.to = c.to.value; }
  if (c.which && c.which.value !== "mean") out.which = c.which.value;
  if (c.axis) {
    out.axis = c.axis.value;
    out.datum = { origin: c.origin.value, x_axis: c.x_axis.value };
    if (c.y_towards.value) out.datum.y_towards = c.y_towards.value;
    if (m.nominal_xy_mm) out.nominal_xy_mm = m.nominal_xy_mm;
  }
  const num = (s) => (s.trim() === "" ? undefined : Number(s));
  const mode = c.mode.value;
  const nominal = num(c.nominal.value);
  if (mode === "pm" || mode === "asym") {
    if (nominal !== undefined) out[`nominal_${u}`] = nominal;
    const parts = c.tol.value.split(/[,\s/]+/).filter((x) => x).map(Number);
    out[`tolerance_${u}`] = parts.length === 2 ? parts : (parts.length ? parts[0] : c.tol.value);
  } else if (mode.startsWith("ISO")) {
    if (nominal !== undefined) out[`nominal_${u}`] = nominal;
    out.iso2768 = mode.slice(-1);
  } else if (mode === "limits") {
    const lo = num(c.min.value), hi = num(c.max.value);
    if (lo !== undefined) out[`min_${u}`] = lo;
    if (hi !== undefined) out[`max_${u}`] = hi;
  } else if (nominal !== undefined && out.axis !== "true_position") {
    out[`nominal_${u}`] = nominal;      // a nominal without tolerance: reported only
  }
  return out;
}

function addMeasurement() {
  const circles = S.tools.filter((t) => t.type === "circle" || t.type === "ellipse");
  const names = new Set(S.meas.map((m) => m.name));
  let k = 1;
  while (names.has(`m_${k}`)) k++;
  const spec = circles.length ? { name: `m_${k}`, type: "diameter", feature: circles[0].name }
    : { name: `m_${k}`, type: "distance", from: S.tools[0] && S.tools[0].name, to: S.tools[1] && S.tools[1].name };
  S.meas.push(spec);
  S.selMeas = S.meas.length - 1;
  renderMeasurements();
}

// ------------------------------------------------------------------ run -------------
function applyRuns(runs) {
  S.runs = runs;
  $("#run-section").hidden = false;
  const c = runs.counts;
  $("#run-counts").textContent = `${runs.rows.length} images: ${c.pass} pass, ${c.fail} fail, ${c.not_found} not found, ${c.error} error`;
  const names = Object.keys(runs.limits);
  const head = $("#run-table thead");
  head.innerHTML = "<tr><th>image</th><th>status</th>" + names.map((n) => `<th>${n}</th>`).join("") + "</tr>";
  const body = $("#run-table tbody");
  body.innerHTML = "";
  for (const row of runs.rows) {
    const tr = document.createElement("tr");
    tr.dataset.image = row.image;
    const td = (text, cls) => { const e = document.createElement("td"); e.textContent = text; if (cls) e.className = cls; tr.appendChild(e); return e; };
    td(row.image);
    td(row.status, row.status).dataset.col = "status";
    for (const n of names) {
      const v = row.values[n];
      const p = row.passed[n];
      const e = td(v === null || v === undefined ? "n/a" : fmt(v), "num " + (p === true ? "pass" : p === false ? "fail" : "none"));
      e.dataset.col = n;
    }
    tr.title = row.error || "";
    tr.onclick = () => {
      const img = $("#overlay-img");
      img.hidden = false;
      img.src = `api/overlay?name=${encodeURIComponent(row.image)}&token=${TOKEN}&v=${Date.now()}`;
    };
    body.appendChild(tr);
  }
  const sel = $("#chart-select");
  const prev = sel.value;
  fillSelect(sel, names, names.includes(prev) ? prev : undefined);
  drawChart();
}

function drawChart() {
  const svg = $("#chart");
  svg.innerHTML = "";
  const runs = S.runs;
  const name = $("#chart-select").value;
  if (!runs || !name) return;
  const lim = runs.limits[name];
  const vals = runs.rows.map((r) => r.values[name]);
  const finite = vals.filter((v) => v !== null && v !== undefined);
  if (!finite.length) return;
  const ext = finite.concat([lim.min, lim.max, lim.nominal].filter((v) => v !== null && v !== undefined && isFinite(v)));
  let lo = Math.min(...ext), hi = Math.max(...ext);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 1e-3 || 1e-3;
  lo -= pad; hi += pad;
  const W = 300, H = 150, X0 = 40, Y0 = 10;
  const y = (v) => Y0 + (hi - v) / (hi - lo) * H;
  // run chart: value per image, with the tolerance band
  if (lim.min !== null || lim.max !== null) {
    const top = y(lim.max !== null ? lim.max : hi), bot = y(lim.min !== null ? lim.min : lo);
    el("rect", { x: X0, y: top, width: W - X0, height: Math.max(bot - top, 0.5), class: "band" }, svg);
  }
  if (lim.nominal !== null) el("line", { x1: X0, x2: W, y1: y(lim.nominal), y2: y(lim.nominal), class: "nominal" }, svg);
  el("line", { x1: X0, x2: X0, y1: Y0, y2: Y0 + H, class: "axis" }, svg);
  const n = vals.length;
  vals.forEach((v, i) => {
    if (v === null || v === undefined) return;
    const x = X0 + (n === 1 ? (W - X0) / 2 : 8 + i * (W - X0 - 16) / (n - 1));
    const ok = runs.rows[i].passed[name];
    el("circle", { cx: x, cy: y(v), r: 3, class: ok === false ? "pt-fail" : "pt-pass" }, svg).dataset.value = v;
  });
  for (const v of [hi - pad, lo + pad]) {
    const t = el("text", { x: 2, y: y(v) + 3 }, svg);
    t.textContent = v.toPrecision(5);
  }
  // histogram on the right, same value axis
  const bins = 8, counts = new Array(bins).fill(0);
  for (const v of finite) counts[Math.min(bins - 1, Math.floor((v - lo) / (hi - lo) * bins))] += 1;
  const cmax = Math.max(...counts);
  counts.forEach((c, k) => {
    const top = y(lo + (k + 1) * (hi - lo) / bins), h = H / bins;
    el("rect", { x: W + 10, y: top, width: c / cmax * 100, height: h - 1, class: "bar" }, svg);
  });
  const t = el("text", { x: W + 10, y: Y0 + H + 10 }, svg);
  t.textContent = `${name} (${lim.unit}) · run chart and histogram`;
}

// ------------------------------------------------------------------ buttons ---------
function dialog(which) {
  $("#dialog").hidden = !which;
  $("#teach-form").hidden = which !== "teach";
  $("#dxf-form").hidden = which !== "dxf";
}

async function busy(label, fn) {
  status(label + " …");
  document.body.style.cursor = "progress";
  try { const out = await fn(); showError(null); return out; }
  catch (err) { fieldError(err); return null; }
  finally { document.body.style.cursor = ""; }
}

function setupButtons() {
  $("#image-select").onchange = (e) => busy("loading", async () => {
    const st = await api("POST", "api/select", { image: e.target.value });
    S.live = {};
    applyState(st);
  });
  document.querySelectorAll(".add-tool").forEach((b) => { b.onclick = () => addTool(b.dataset.type); });
  $("#add-meas").onclick = addMeasurement;
  $("#save-btn").onclick = () => busy("saving", async () => {
    const out = await api("POST", "api/save", draft());
    clearFieldErrors();
    applyState(out.state);
    status(`saved ${out.saved}`);
  });
  $("#run-btn").onclick = () => busy("running", async () => {
    const ok = await commit();
    if (!ok) return;
    const runs = await api("POST", "api/run", {});
    applyRuns(runs);
    status(`ran ${runs.rows.length} images`);
  });
  $("#chart-select").onchange = drawChart;
  $("#teach-btn").onclick = () => { $("#teach-image").textContent = S.state.image || "(no image)"; dialog("teach"); };
  $("#dxf-btn").onclick = () => dialog("dxf");
  document.querySelectorAll("#dialog .cancel").forEach((b) => { b.onclick = () => dialog(null); });
  $("#teach-go").onclick = () => busy("teaching", async () => {
    const st = await api("POST", "api/teach", { image: S.state.image, tolerance: $("#teach-tol").value });
    dialog(null); S.sel = -1; S.selMeas = -1; S.box = null;
    applyState(st);
  });
  $("#dxf-go").onclick = () => busy("importing", async () => {
    const st = await api("POST", "api/dxf", { drawing: $("#dxf-select").value,
      polarity: $("#dxf-polarity").value, tolerance: $("#dxf-tol").value });
    dialog(null); S.sel = -1; S.selMeas = -1; S.box = null;
    applyState(st);
  });
  $("#upload-input").onchange = (e) => busy("uploading", async () => {
    const f = e.target.files[0];
    if (!f) return;
    if (f.size > S.state.max_upload_bytes) throw new Error(`${f.name}: upload too large (limit ${(S.state.max_upload_bytes / 1048576).toFixed(0)} MB)`);
    const out = await api("PUT", `api/upload?name=${encodeURIComponent(f.name)}`, undefined, f);
    applyState(out.state);
    status(`stored ${out.stored}`);
    e.target.value = "";
  });
}

async function main() {
  setupViewEvents();
  setupButtons();
  try {
    applyState(await api("GET", "api/state"));
  } catch (err) { showError(err); }
  window.studioReadyMs = performance.now();
  document.body.dataset.ready = "1";
}

main();
