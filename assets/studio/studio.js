// orgsim studio: the page. The server runs the simulations and streams
// per-week statistics (server-sent events); this script draws them with
// uPlot and sends the controls' commands. `window.studio` holds the data
// the charts show (the browser test reads it).
"use strict";

const COLORS = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#B8A400"];
const CHARTS = [
  { id: "throughput", title: "Throughput", lines: [{ metric: "throughput" }] },
  { id: "engagement", title: "Engagement", lines: [{ metric: "engagement" }] },
  { id: "decision_latency", title: "Decision latency", lines: [{ metric: "decision_latency" }] },
  {
    id: "competition", title: "Collaboration against competition",
    note: "solid: knowledge sharing · dashed: knowledge hoarding (events per week)",
    lines: [{ metric: "sharing" }, { metric: "hoarding", dash: [7, 5] }],
  },
];
const GROUPS = [
  ["structure", "Structure", true],
  ["practice", "Practices", true],
  ["conditions", "Conditions", true],
  ["behaviour", "Behaviour (the model's mechanisms)", false],
];

const studio = (window.studio = {
  hello: null, state: null, hist: [], charts: {}, data: {}, frames: 0, histories: 0, ready: false,
});
const $ = (id) => document.getElementById(id);
// Events fired here are labelled "... (studio, week N)" in the saved file.
const STUDIO_SUFFIX = / \(studio, week \d+\)$/;
function escapeHtml(t) {
  return String(t).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
let source = null;

function color(v, alpha) {
  const c = COLORS[v % COLORS.length];
  if (alpha === undefined) return c;
  const n = parseInt(c.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function fmt(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (digits === undefined) digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

// ---- talking to the server -------------------------------------------------

async function send(cmd) {
  if (!studio.hello) return false;
  // When the last command left: the time to an updated chart is measured from here.
  studio.sentAt = performance.now();
  try {
    const r = await fetch(`/api/live/${studio.hello.session}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(cmd),
    });
    if (!r.ok) { toast(await r.text()); return false; }
    return true;
  } catch (e) {
    toast("The studio server does not answer: is `orgsim studio` still running?");
    return false;
  }
}

let toastTimer = null;
function toast(msg) {
  const t = $("toast");
  t.textContent = msg;
  t.hidden = false;
  (studio.errors = studio.errors || []).push(msg);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 9000);
}

function connect() {
  source = new EventSource("/api/live");
  source.addEventListener("hello", (e) => onHello(JSON.parse(e.data)));
  source.addEventListener("state", (e) => onState(JSON.parse(e.data)));
  source.addEventListener("history", (e) => onHistory(JSON.parse(e.data)));
  source.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
}

// ---- messages ---------------------------------------------------------------

function onHello(h) {
  studio.hello = h;
  studio.k = h.metrics.length;
  studio.metricIndex = Object.fromEntries(h.metrics.map((m, i) => [m.name, i]));
  studio.hist = h.variants.map(() => ({ mean: [], half: [] }));
  $("scenario-name").textContent = h.name;
  $("question").textContent = h.question;
  $("question").title = h.question;
  $("save").href = `/api/live/${h.session}/scenario.toml`;
  $("replications").value = h.replications;
  $("replications").max = h.max_replications;
  $("horizon").value = h.horizon;
  buildTarget(h);
  buildSliders(h);
  buildCards(h);
  buildCharts();
}

function onState(s) {
  studio.state = s;
  $("week").textContent = s.week;
  $("play").textContent = s.playing ? "❚❚ Pause" : "▶ Play";
  $("busy").hidden = !s.replaying;
  if (document.activeElement !== $("horizon")) $("horizon").value = s.horizon;
  if (document.activeElement !== $("replications")) $("replications").value = s.replications;
  const list = $("event-list");
  list.innerHTML = "";
  for (const e of s.events) {
    const li = document.createElement("li");
    const label = e.label.replace(STUDIO_SUFFIX, "");
    li.textContent = e.rate > 0 ? `${label} (at random, ${fmt(e.rate * 100)}% a week)` : `week ${e.at}: ${label}`;
    list.appendChild(li);
  }
  syncSliders();
  redraw();
}

function onHistory(m) {
  m.variants.forEach((v, i) => {
    studio.hist[i] = { mean: v.mean.slice(), half: v.half.slice() };
  });
  studio.histories += 1;
  studio.ready = true;
  rebuildData();
  if (studio.state) studio.state.week = m.week;
  $("week").textContent = m.week;
  redraw();
}

function onFrame(m) {
  const k = studio.k;
  let ok = true;
  m.variants.forEach((v, i) => {
    const h = studio.hist[i];
    if (h.mean.length !== m.from * k) { ok = false; return; }
    for (let j = 0; j < v.mean.length; j++) { h.mean.push(v.mean[j]); h.half.push(v.half[j]); }
  });
  if (!ok) return; // a history message follows and puts it right
  studio.frames += 1;
  appendData(m.from, m.week);
  $("week").textContent = m.week;
  if (studio.state) studio.state.week = m.week;
  redraw();
}

// ---- settings ---------------------------------------------------------------

function buildTarget(h) {
  for (const [id, word] of [["target", "of"], ["fire-target", "in"]]) {
    const t = $(id);
    t.innerHTML = "";
    t.add(new Option(`${word} all variants`, "all"));
    h.variants.forEach((v, i) => t.add(new Option(`${word} ${v.name}`, String(i))));
  }
  $("target").onchange = syncSliders;
}

function niceStep(p) {
  if (p.integer) return 1;
  const span = p.hi - p.lo;
  return span > 0 ? Math.pow(10, Math.floor(Math.log10(span / 100))) : 0.01;
}

function buildSliders(h) {
  const root = $("groups");
  root.innerHTML = "";
  studio.sliders = {};
  for (const [g, title, open] of GROUPS) {
    const ps = h.params.filter((p) => p.group === g);
    if (!ps.length) continue;
    const d = document.createElement("details");
    d.className = "group";
    d.open = open;
    d.innerHTML = `<summary>${title}</summary>`;
    for (const p of ps) d.appendChild(slider(p));
    root.appendChild(d);
  }
}

function slider(p) {
  const i = studio.hello.params.indexOf(p);
  const div = document.createElement("div");
  div.className = "param";
  div.title = `${p.name}: ${p.doc}\nValid: ${p.min} to ${p.max} ${p.unit}. Slider: the plausible range ${p.lo} to ${p.hi} (${p.source}).`;
  div.innerHTML = `<div class="head"><span class="name">${p.name.replace(/_/g, " ")}</span>
    <span class="val"><b></b> <small>${escapeHtml(p.unit)}</small></span></div>
    <input type="range" name="${p.name}" aria-label="${p.name}">
    <div class="varies" hidden></div><div class="doc">${escapeHtml(p.doc)}</div>`;
  const input = div.querySelector("input");
  input.min = p.lo; input.max = p.hi; input.step = niceStep(p);
  const shown = div.querySelector(".val b");
  input.addEventListener("input", () => (shown.textContent = fmt(Number(input.value), 4)));
  input.addEventListener("change", async () => {
    const t = $("target").value;
    const ok = await send({ cmd: "set", param: p.name, value: Number(input.value), variant: t === "all" ? null : Number(t) });
    if (!ok) syncSliders();
  });
  studio.sliders[p.name] = { i, p, input, shown, varies: div.querySelector(".varies") };
  return div;
}

function syncSliders() {
  const s = studio.state;
  if (!s || !studio.sliders) return;
  const t = $("target").value;
  for (const { i, p, input, shown, varies } of Object.values(studio.sliders)) {
    const vals = s.values.map((v) => v[i]);
    const x = t === "all" ? vals[0] : vals[Number(t)];
    // A value past the slider's span widens it (the server checks the valid range).
    if (x > Number(input.max)) input.max = Math.min(p.max, x * 1.5);
    if (x < Number(input.min)) input.min = Math.max(p.min, x);
    if (document.activeElement !== input) input.value = x;
    shown.textContent = fmt(x, 4);
    const differ = t === "all" && vals.some((v) => v !== vals[0]);
    varies.hidden = !differ;
    if (differ) varies.textContent = "differs: " + studio.hello.variants.map((v, j) => `${v.name} ${fmt(vals[j], 4)}`).join(" · ") + " (moving it sets all)";
  }
}

// ---- cards (the variants side by side) -------------------------------------

function buildCards(h) {
  const root = $("cards");
  root.innerHTML = "";
  h.variants.forEach((v, i) => {
    const c = document.createElement("div");
    c.className = "card";
    c.style.borderTopColor = color(i);
    c.innerHTML = `<h3>${escapeHtml(v.name)}</h3><div class="figs"></div>`;
    root.appendChild(c);
  });
}

function updateCards() {
  const k = studio.k;
  const cards = $("cards").children;
  const figs = [["throughput", "throughput /wk"], ["engagement", "engagement"], ["decision_latency", "decision latency (wk)"], ["headcount", "headcount"]];
  studio.hist.forEach((h, v) => {
    const n = h.mean.length / k;
    const el = cards[v] && cards[v].querySelector(".figs");
    if (!el) return;
    el.innerHTML = figs
      .filter(([m]) => m in studio.metricIndex)
      .map(([m, label]) => {
        const j = (n - 1) * k + studio.metricIndex[m];
        const mean = n > 0 ? h.mean[j] : null;
        const half = n > 0 ? h.half[j] : null;
        const pm = half === null || half === undefined ? "" : ` <small style="display:inline">± ${fmt(half)}</small>`;
        return `<span class="fig"><b>${fmt(mean)}</b>${pm}<small>${label}</small></span>`;
      })
      .join("");
  });
}

// ---- charts -----------------------------------------------------------------

function metric(name) {
  return studio.hello.metrics.find((m) => m.name === name) || { label: name, unit: "" };
}

function buildCharts() {
  const root = $("charts");
  for (const c of Object.values(studio.charts)) c.destroy();
  root.innerHTML = "";
  studio.charts = {};
  studio.data = {};
  const big = document.body.classList.contains("present");
  const font = big ? "20px system-ui, sans-serif" : "13px system-ui, sans-serif";
  for (const def of CHARTS) {
    const lines = def.lines.filter((l) => l.metric in studio.metricIndex);
    if (!lines.length) continue;
    const box = document.createElement("div");
    box.className = "chart";
    const unit = def.note || metric(lines[0].metric).unit;
    const legend = studio.hello.variants
      .map((v, vi) => `<span><i style="border-color:${color(vi)}"></i>${escapeHtml(v.name)}</span>`).join("");
    box.innerHTML = `<div class="head"><h3>${def.title} <small>${unit} · mean, 95% band</small></h3>
      <span class="legend">${legend}</span></div><div class="plot"></div>`;
    root.appendChild(box);
    const plot = box.querySelector(".plot");
    const series = [{ label: "week" }];
    const bands = [];
    studio.hello.variants.forEach((v, vi) => {
      for (const l of lines) {
        const at = series.length;
        series.push({ label: `${v.name} ${l.metric}`, stroke: color(vi), width: big ? 3 : 2, dash: l.dash, points: { show: false } });
        series.push({ label: "low", stroke: "transparent", width: 0, points: { show: false } });
        series.push({ label: "high", stroke: "transparent", width: 0, points: { show: false } });
        bands.push({ series: [at + 2, at + 1], fill: color(vi, 0.16) });
        l.at = l.at || {};
      }
    });
    const opts = {
      width: Math.max(200, plot.clientWidth), height: Math.max(120, plot.clientHeight),
      series, bands, legend: { show: false },
      scales: { x: { time: false } },
      cursor: { drag: { x: false, y: false } },
      axes: [
        { label: "week", font, labelFont: font, size: big ? 50 : 40, labelSize: big ? 30 : 20 },
        { font, labelFont: font, size: big ? 80 : 60 },
      ],
      hooks: { draw: [drawEvents] },
    };
    studio.data[def.id] = { def, lines, data: [[]].concat(series.slice(1).map(() => [])) };
    const u = new uPlot(opts, studio.data[def.id].data, plot);
    studio.charts[def.id] = u;
    new ResizeObserver(() => u.setSize({ width: Math.max(200, plot.clientWidth), height: Math.max(120, plot.clientHeight) })).observe(plot);
  }
  rebuildData();
}

// A chart's series from the statistics: per variant, per line: mean, low, high.
function fillData(entry, from, to) {
  const k = studio.k;
  const d = entry.data;
  for (let t = from; t < to; t++) {
    d[0][t] = t;
    let s = 1;
    studio.hist.forEach((h) => {
      for (const l of entry.lines) {
        const j = t * k + studio.metricIndex[l.metric];
        const m = h.mean[j];
        const hw = h.half[j];
        d[s][t] = m;
        d[s + 1][t] = hw === null || m === null ? null : m - hw;
        d[s + 2][t] = hw === null || m === null ? null : m + hw;
        s += 3;
      }
    });
  }
}

function rebuildData() {
  const n = Math.min(...studio.hist.map((h) => h.mean.length / studio.k));
  for (const e of Object.values(studio.data)) {
    for (const a of e.data) a.length = 0;
    fillData(e, 0, Number.isFinite(n) ? n : 0);
  }
  studio.dirty = true;
}

function appendData(from, to) {
  for (const e of Object.values(studio.data)) fillData(e, from, to);
  studio.dirty = true;
}

function drawEvents(u) {
  const s = studio.state;
  if (!s) return;
  const ctx = u.ctx;
  const big = document.body.classList.contains("present");
  ctx.save();
  ctx.strokeStyle = "#444";
  ctx.fillStyle = "#444";
  ctx.setLineDash([4, 4]);
  ctx.lineWidth = 1.5;
  ctx.font = (big ? 18 : 12) * devicePixelRatio + "px system-ui, sans-serif";
  for (const e of s.events) {
    if (e.rate > 0) continue;
    const x = u.valToPos(e.at, "x", true);
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillText(" " + e.label.replace(STUDIO_SUFFIX, ""), x, u.bbox.top + 14 * devicePixelRatio);
  }
  ctx.restore();
}

let frameRequested = false;
function redraw() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    if (studio.dirty) {
      for (const [id, u] of Object.entries(studio.charts)) u.setData(studio.data[id].data);
      studio.dirty = false;
      studio.drawnAt = performance.now();
      studio.drawnWeek = studio.hist.length ? studio.hist[0].mean.length / studio.k : 0;
      studio.drawnHistories = studio.histories;
    } else {
      for (const u of Object.values(studio.charts)) u.redraw(false);
    }
    updateCards();
  });
}

// ---- open results -----------------------------------------------------------

// "Run in full": the page's scenario through the run pipeline, then its
// report in "Open results".
async function runInFull() {
  if (!studio.hello) return;
  let started;
  try {
    const r = await fetch(`/api/live/${studio.hello.session}/run`, { method: "POST" });
    if (!r.ok) { toast(await r.text()); return; }
    started = await r.json();
  } catch (e) {
    toast("The studio server does not answer: is `orgsim studio` still running?");
    return;
  }
  const { run, name } = started;
  const status = $("full-status");
  $("run-full").disabled = true;
  status.hidden = false;
  status.textContent = "starting the run in full…";
  $("stop-full").hidden = false;
  $("stop-full").onclick = () => fetch(`/api/runs/${run}/stop`, { method: "POST" });
  const done = () => { $("run-full").disabled = false; $("stop-full").hidden = true; status.hidden = true; };
  const poll = async () => {
    let p;
    try { p = await (await fetch(`/api/runs/${run}`)).json(); } catch (e) { done(); return; }
    if (p.state === "running") {
      status.textContent = p.phase === "writing"
        ? `writing charts and report of ${name}…`
        : `running in full: ${p.done} of ${p.planned || "…"} replications`;
      setTimeout(poll, 400);
      return;
    }
    done();
    if (p.state === "published") openResults(name);
    else toast(p.message || `the run in full ${p.state}`);
  };
  poll();
}

async function openResults(show) {
  $("results").hidden = false;
  const list = $("results-list");
  list.innerHTML = "<li>reading…</li>";
  try {
    const r = await (await fetch("/api/results")).json();
    $("results-folder").textContent = r.folder;
    list.innerHTML = "";
    if (!r.results.length) list.innerHTML = "<li>No finished runs here yet: <code>orgsim run FILE</code> writes one.</li>";
    for (const x of r.results) {
      const li = document.createElement("li");
      li.innerHTML = `<b></b><small></small>`;
      li.querySelector("b").textContent = x.name;
      li.querySelector("small").textContent = x.question;
      li.onclick = () => showResult(x, li);
      list.appendChild(li);
      if (typeof show === "string" && x.name === show) showResult(x, li);
    }
  } catch (e) {
    list.innerHTML = "<li>Could not read the results folder.</li>";
  }
}

function showResult(x, li) {
  for (const o of $("results-list").children) o.classList.remove("on");
  li.classList.add("on");
  const view = $("results-view");
  view.innerHTML = "";
  const base = `/results/${encodeURIComponent(x.name)}/`;
  const thumbs = document.createElement("div");
  thumbs.className = "thumbs";
  for (const c of x.charts) {
    const img = document.createElement("img");
    img.src = base + "charts/" + encodeURIComponent(c);
    img.alt = img.title = c;
    img.onclick = () => window.open(img.src, "_blank");
    thumbs.appendChild(img);
  }
  view.appendChild(thumbs);
  const frame = document.createElement("iframe");
  frame.src = base + "report.html";
  frame.title = `report of ${x.name}`;
  view.appendChild(frame);
}

// ---- controls ---------------------------------------------------------------

function wire() {
  $("play").onclick = () => send({ cmd: studio.state && studio.state.playing ? "pause" : "play" });
  $("step").onclick = () => send({ cmd: "step", weeks: 1 });
  $("reset").onclick = () => send({ cmd: "reset" });
  $("speed").onchange = () => send({ cmd: "speed", value: Number($("speed").value) });
  $("horizon").onchange = () => send({ cmd: "horizon", value: Number($("horizon").value) });
  $("replications").onchange = () => send({ cmd: "replications", value: Number($("replications").value) });
  $("present").onclick = togglePresent;
  $("open-results").onclick = () => openResults();
  $("run-full").onclick = runInFull;
  $("close-results").onclick = () => ($("results").hidden = true);
  for (const b of document.querySelectorAll("button.event")) {
    b.onclick = () => {
      const e = b.dataset.event;
      const t = $("fire-target").value;
      const cmd = { cmd: "fire", event: e, variant: t === "all" ? null : Number(t) };
      if (e === "leaders") cmd.share = Number($("ev-share").value) / 100;
      if (e === "demand") { cmd.factor = Number($("ev-factor").value); cmd.duration = Number($("ev-demand-weeks").value); }
      if (e === "turbulence") cmd.magnitude = Number($("ev-magnitude").value) / 100;
      if (e === "outage") cmd.duration = Number($("ev-outage-weeks").value);
      send(cmd);
    };
  }
  document.addEventListener("keydown", (e) => {
    if (e.target.closest && e.target.closest("input, select, textarea")) return;
    if (e.key === " ") { e.preventDefault(); $("play").click(); }
    if (e.key === "p" || e.key === "P") togglePresent();
    if (e.key === "Escape") $("results").hidden = true;
  });
}

function togglePresent() {
  document.body.classList.toggle("present");
  // Axes' type sizes are set when a chart is made.
  requestAnimationFrame(() => { if (studio.hello) buildCharts(); redraw(); });
}

wire();
connect();
