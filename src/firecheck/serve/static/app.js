// firecheck serve: the page. Every answer comes from the server's /api/answer (the same
// verdict as `firecheck check`, with the terminal's paragraphs in both languages); the map
// is drawn from /api/zones?lines=1. Nothing is fetched from anywhere else.
"use strict";

const WORDS = {
  zh: {
    title: "固阳县防火核查", tabCheck: "单次核查", tabBatch: "批量核查",
    place: "地点（坐标或地名）", placeHint: "41.03,110.05 或 金山镇", locate: "我的位置",
    datum: "坐标来源", gps: "GPS / 手机定位（WGS-84）", gcj: "高德·腾讯·微信地图（GCJ-02）",
    bd: "百度地图（BD-09）", activity: "活动", date: "日期", to: "至（可选）",
    land: "地类（如果知道）", landUnknown: "不知道", forest: "林地", grassland: "草原",
    farmland: "农田", builtUp: "城镇", water: "水域", submit: "核查",
    zoomCounty: "看全县", zoomPlace: "看附近", share: "本次核查的链接（可分享）",
    file: "表格文件（CSV、JSONL、GeoJSON、GPX…）", batchActivity: "缺少活动列时的活动",
    fromRows: "按表格", batchDate: "缺少日期列时的日期", format: "输出格式",
    sameFormat: "与输入相同", batchSubmit: "上传并核查", download: "下载核查结果",
    offline: "离线运行：页面、地图与数据均来自本机的 firecheck，不连接互联网。",
    call: "拨打", checking: "正在核查…", uploading: "正在上传并核查…",
    needPlace: "请填写地点，或点“我的位置”。", needFile: "请选择文件。",
    insecure: "浏览器只在安全页面（HTTPS 或本机地址）上提供定位。请直接输入坐标，或让管理员用 firecheck serve --tls 启动。",
    noGeo: "此浏览器不支持定位，请直接输入坐标。", locating: "正在定位…",
    geoDenied: "定位权限被拒绝：请在浏览器设置中允许，或直接输入坐标。",
    geoUnavailable: "无法取得位置（没有信号？），请直接输入坐标。",
    geoTimeout: "定位超时，请重试或直接输入坐标。",
    located: (acc) => `已定位（GPS，精度 ±${acc} 米）。`,
    rows: (n, s) => `共 ${n} 行，用时 ${s} 秒。`, network: "无法连接 firecheck 服务。",
    mapPlace: "地点", mapCounty: "固阳县界与各区域；虚线为 500 米线，斜线为位置不确定带",
    noMap: "只说明了所在区域，没有坐标可画。", statuses: {
      prohibited: "禁止", permit_required: "须经批准", uncertain: "无法确定",
      allowed: "未禁止", out_of_scope: "不在本县范围", error: "错误"},
  },
  en: {
    title: "Guyang fire-ban check", tabCheck: "Check", tabBatch: "Batch",
    place: "Place (coordinates or a name)", placeHint: "41.03,110.05 or Jinshan",
    locate: "My location", datum: "Coordinates from", gps: "GPS / phone location (WGS-84)",
    gcj: "Amap · Tencent · WeChat (GCJ-02)", bd: "Baidu Maps (BD-09)", activity: "Activity",
    date: "Date", to: "To (optional)", land: "Land type (if known)", landUnknown: "Not known",
    forest: "Forest", grassland: "Grassland", farmland: "Farmland", builtUp: "Built-up",
    water: "Water", submit: "Check", zoomCounty: "Whole county", zoomPlace: "Nearby",
    share: "Link to this check (shareable)", file: "Sheet (CSV, JSONL, GeoJSON, GPX…)",
    batchActivity: "Activity for rows without one", fromRows: "From the sheet",
    batchDate: "Date for rows without one", format: "Output format",
    sameFormat: "Same as the input", batchSubmit: "Upload and check", download: "Download the checked file",
    offline: "Offline: the page, the map and the data all come from firecheck on this machine.",
    call: "Call", checking: "Checking…", uploading: "Uploading and checking…",
    needPlace: "Give a place, or tap “My location”.", needFile: "Choose a file.",
    insecure: "Browsers give location to secure pages only (HTTPS or this machine). Type the coordinates, or ask for firecheck serve --tls.",
    noGeo: "This browser cannot locate; type the coordinates.", locating: "Locating…",
    geoDenied: "Location permission denied: allow it in the browser's settings, or type the coordinates.",
    geoUnavailable: "No position available (no signal?); type the coordinates.",
    geoTimeout: "Locating timed out; try again or type the coordinates.",
    located: (acc) => `Located (GPS, ±${acc} m).`,
    rows: (n, s) => `${n} rows in ${s} s.`, network: "Cannot reach the firecheck server.",
    mapPlace: "the place", mapCounty: "Guyang county line and zones; dashed: 500 m line, hatched: uncertainty band",
    noMap: "Only the zone was stated: no coordinates to draw.", statuses: {
      prohibited: "Prohibited", permit_required: "Permit required", uncertain: "Uncertain",
      allowed: "Allowed", out_of_scope: "Out of scope", error: "Error"},
  },
};
const FIELDS = ["place", "datum", "activity", "date", "to", "land", "accuracy"];
const SVG = "http://www.w3.org/2000/svg";
const state = { lang: "zh", activities: [], answer: null, zones: null, zoomed: true, raw: {} };
const $ = (id) => document.getElementById(id);
const t = (key) => WORDS[state.lang][key];

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function getJSON(url, options) {
  let response;
  try {
    response = await fetch(url, options);
  } catch (e) {
    throw new Error(t("network"));
  }
  if (!response.ok) {
    let error;
    try { error = await response.json(); } catch (e) { error = null; }
    const message = error && (state.lang === "zh" ? error.message_zh : error.message_en);
    throw new Error(message || `HTTP ${response.status}`);
  }
  return response;
}

// --- words and language -------------------------------------------------------------

function setLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = `${t("title")} · firecheck`;
  for (const node of document.querySelectorAll("[data-t]")) {
    const word = t(node.dataset.t);
    if (typeof word === "string") node.textContent = word;
  }
  $("place").placeholder = t("placeHint");
  $("lang").textContent = lang === "zh" ? "English" : "中文";
  $("lang").lang = lang === "zh" ? "en" : "zh";
  fillActivities();
  fillPlaces();
  if (state.answer) showAnswer();
  $("zoom").textContent = state.zoomed ? t("zoomCounty") : t("zoomPlace");
}

function fillActivities() {
  for (const [id, blank] of [["activity", false], ["batch-activity", true]]) {
    const select = $(id);
    const keep = select.value;
    select.replaceChildren(...(blank ? [el("option", { value: "" }, t("fromRows"))] : []));
    for (const a of state.activities) {
      select.append(el("option", { value: a.id }, state.lang === "zh" ? a.name_zh : a.name_en));
    }
    if (keep) choose(select, keep);
  }
}

function choose(select, value) {
  if (![...select.options].some((o) => o.value === value)) {
    select.append(el("option", { value }, value)); // an alias from a shared link
  }
  select.value = value;
}

function fillPlaces() {
  const list = $("place-list");
  list.replaceChildren(...(state.places || []).map((p) =>
    el("option", { value: state.lang === "zh" ? p.name_zh : p.name_en })));
}

// --- the check ----------------------------------------------------------------------

function query() {
  const params = new URLSearchParams();
  for (const name of FIELDS) {
    const value = $(name).value.trim() || state.raw[name] || ""; // a shared link's 4月1日
    if (value && !(name === "datum" && value === "wgs84")) params.set(name, value);
  }
  if (params.get("to") && params.get("to") === params.get("date")) params.delete("to");
  if (params.get("to") && !params.get("date")) params.set("date", today());
  return params;
}

async function runCheck(event) {
  if (event) event.preventDefault();
  $("error").hidden = true;
  if (!$("place").value.trim()) return showError("error", t("needPlace"));
  const params = query();
  const api = new URLSearchParams(params);
  if (api.get("to")) { api.set("from", api.get("date")); api.delete("date"); }
  $("submit").disabled = true;
  $("submit").textContent = t("checking");
  try {
    const response = await getJSON(`/api/answer?${api}`);
    state.answer = await response.json();
    state.zoomed = true;
    params.set("lang", state.lang);
    history.replaceState(null, "", `/?${params}`);
    showAnswer();
    $("answer").scrollIntoView(); // the answer first: on a phone the form fills the screen
  } catch (e) {
    showError("error", e.message);
    $("answer").hidden = true;
  } finally {
    $("submit").disabled = false;
    $("submit").textContent = t("submit");
  }
}

function showError(id, message) {
  $(id).textContent = message;
  $(id).hidden = false;
}

function classes(style) {
  return style.split(/\s+/).filter((w) => w && w !== "on" && !w.startsWith("bright_"))
    .map((w) => `s-${w}`).join(" ");
}

function linkified(text, numbers, style) {
  // Text with every known hotline number as a tel: link.
  const span = el("span", style ? { class: classes(style) } : {});
  let rest = text;
  while (rest) {
    let best = -1, number = "";
    for (const n of numbers) {
      const at = rest.indexOf(n);
      if (at >= 0 && (best < 0 || at < best)) { best = at; number = n; }
    }
    if (best < 0) { span.append(rest); break; }
    span.append(rest.slice(0, best));
    span.append(el("a", { href: `tel:${number.replace(/[^0-9+]/g, "")}`, class: "tel" }, number));
    rest = rest.slice(best + number.length);
  }
  return span;
}

function firstVerdict(result) {
  return result.spans ? result.spans[0] : result;
}

function showAnswer() {
  const { result, paragraphs } = state.answer;
  const paras = paragraphs[state.lang];
  const verdict = firstVerdict(result);
  const numbers = [...new Set((result.spans || [result]).flatMap((v) => v.hotlines)
    .map((h) => h.number))].sort((a, b) => b.length - a.length);
  const headline = $("headline");
  const [badge, ...action] = paras[0].segments;
  headline.replaceChildren(
    el("span", { class: `status st-${result.status}`, id: "status" }, badge[0].trim()),
    el("p", { class: "action", id: "action" }));
  for (const [text, style] of action) $("action").append(linkified(text.trim(), numbers, style));
  $("calls").replaceChildren(...verdict.hotlines.slice(0, 3).map((h) => el("a", {
    href: `tel:${h.number.replace(/[^0-9+]/g, "")}`, class: "call"},
  `${t("call")} ${h.number} · ${state.lang === "zh" ? h.name_zh : h.name_en}`)));
  const details = $("details");
  details.replaceChildren();
  for (const para of paras.slice(1)) {
    const p = el("p", para.style ? { class: classes(para.style) } : {});
    if (para.first) p.append(el("span", { class: "first" }, para.first));
    for (const [text, style] of para.segments) p.append(linkified(text, numbers, style));
    details.append(p);
  }
  $("share").href = location.href;
  $("share").textContent = `${t("share")}: ${location.href}`;
  $("versions").textContent = `rules ${verdict.versions.rules.slice(7, 19)} · zones ${verdict.versions.zones.slice(7, 19)}`;
  $("answer").hidden = false;
  drawMap();
}

// --- the map: firecheck's own GeoJSON, projected on the page, no tiles -----------------

const LAT0 = 41.1, LON0 = 110.18;
const KX = 111320 * Math.cos(LAT0 * Math.PI / 180), KY = 110574;
const xy = ([lon, lat]) => [(lon - LON0) * KX, -(lat - LAT0) * KY];

function ringPath(ring) {
  return ring.map((p, i) => { const [x, y] = xy(p); return `${i ? "L" : "M"}${x.toFixed(0)} ${y.toFixed(0)}`; }).join("") + "Z";
}

function svg(tag, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function shapes(geometry, cls, size) {
  const out = [];
  const polys = geometry.type === "Polygon" ? [geometry.coordinates]
    : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  for (const poly of polys) out.push(svg("path", { d: poly.map(ringPath).join(""), class: cls, "vector-effect": "non-scaling-stroke" }));
  const lines = geometry.type === "LineString" ? [geometry.coordinates]
    : geometry.type === "MultiLineString" ? geometry.coordinates : [];
  for (const line of lines) {
    out.push(svg("polyline", { points: line.map((p) => xy(p).map((v) => v.toFixed(0)).join(",")).join(" "), class: "zone-line", "vector-effect": "non-scaling-stroke" }));
  }
  const points = geometry.type === "Point" ? [geometry.coordinates]
    : geometry.type === "MultiPoint" ? geometry.coordinates : [];
  for (const point of points) {
    const [x, y] = xy(point);
    out.push(svg("circle", { cx: x, cy: y, r: size / 80, class: "zone-point" }));
  }
  return out;
}

function anchor(geometry) {
  // Above the middle of the shape: the label never hides the place or the zone.
  const coords = JSON.stringify(geometry.coordinates).match(/-?[\d.]+/g).map(Number);
  const lons = coords.filter((_, i) => i % 2 === 0), lats = coords.filter((_, i) => i % 2 === 1);
  const [x] = xy([(Math.min(...lons) + Math.max(...lons)) / 2, LAT0]);
  const [, y] = xy([LON0, Math.max(...lats)]);
  return [x, y];
}

async function drawMap() {
  if (!state.zones) {
    const response = await getJSON("/api/zones?lines=1");
    state.zones = await response.json();
  }
  const verdict = firstVerdict(state.answer.result);
  const map = $("map");
  const place = verdict.place.lat === null ? null : xy([verdict.place.lon, verdict.place.lat]);
  $("zoom").hidden = !place;
  const county = state.zones.features.find((f) => f.properties.kind === "county_boundary");
  let box;
  if (place && state.zoomed) {
    const r = Math.max(8000, (verdict.query.accuracy_m || 0) * 3);
    box = [place[0] - r, place[1] - r, 2 * r, 2 * r];
  } else {
    const pts = JSON.stringify(county.geometry.coordinates).match(/-?[\d.]+/g).map(Number);
    const xs = [], ys = [];
    for (let i = 0; i < pts.length; i += 2) { const [x, y] = xy([pts[i], pts[i + 1]]); xs.push(x); ys.push(y); }
    const w = Math.max(...xs) - Math.min(...xs), h = Math.max(...ys) - Math.min(...ys), s = Math.max(w, h) * 1.05;
    box = [(Math.min(...xs) + Math.max(...xs) - s) / 2, (Math.min(...ys) + Math.max(...ys) - s) / 2, s, s];
  }
  const size = box[2];
  map.setAttribute("viewBox", box.map((v) => v.toFixed(0)).join(" "));
  const hatch = size / 60;
  const defs = svg("defs");
  const pattern = svg("pattern", { id: "hatch", patternUnits: "userSpaceOnUse", width: hatch, height: hatch, patternTransform: "rotate(45)" });
  pattern.append(svg("line", { x1: 0, y1: 0, x2: 0, y2: hatch, class: "hatch", "vector-effect": "non-scaling-stroke" }));
  defs.append(pattern);
  const layers = { county: [], band: [], buffer: [], zone: [], label: [] }, placed = [];
  for (const f of state.zones.features) {
    if (!f.geometry) continue;
    const p = f.properties;
    if (p.kind === "county_boundary") layers.county.push(...shapes(f.geometry, "county", size));
    else if (p.layer === "band") layers.band.push(...shapes(f.geometry, "band", size));
    else if (p.layer === "buffer") layers.buffer.push(...shapes(f.geometry, "buffer", size));
    else {
      layers.zone.push(...shapes(f.geometry, "zone", size));
      const [x0, y0] = anchor(f.geometry), y = y0 - size / 60;
      const x = Math.min(Math.max(x0, box[0] + size * 0.3), box[0] + size * 0.7); // kept inside
      if (placed.some(([a, b]) => Math.abs(a - x) < size / 3 && Math.abs(b - y) < size / 25)) continue;
      placed.push([x, y]); // labels that would overlap one already drawn are left out
      layers.label.push(svg("text", { x, y, "font-size": size / 28, "text-anchor": "middle", class: "label" },
        state.lang === "zh" ? p.name_zh : p.name_en));
    }
  }
  const marks = [];
  if (place) {
    const accuracy = verdict.query.accuracy_m || 0;
    if (accuracy) marks.push(svg("circle", { cx: place[0], cy: place[1], r: accuracy, class: "accuracy", "vector-effect": "non-scaling-stroke" }));
    marks.push(svg("circle", { cx: place[0], cy: place[1], r: size / 70, class: `marker st-${verdict.status}`, id: "marker" }));
  }
  const bar = [500, 1000, 2000, 5000, 10000, 20000, 50000].filter((m) => m <= size / 4).pop() || 500;
  const x0 = box[0] + size * 0.05, y0 = box[1] + size * 0.95;
  const scale = [svg("line", { x1: x0, y1: y0, x2: x0 + bar, y2: y0, class: "scale", "vector-effect": "non-scaling-stroke" }),
    svg("text", { x: x0, y: y0 - size / 60, "font-size": size / 30, class: "scale-text" }, bar >= 1000 ? `${bar / 1000} km` : `${bar} m`),
    svg("text", { x: box[0] + size * 0.93, y: box[1] + size * 0.08, "font-size": size / 22, class: "scale-text", "text-anchor": "middle" }, "N ↑")];
  map.replaceChildren(defs, ...layers.county, ...layers.band, ...layers.buffer, ...layers.zone,
    ...marks, ...layers.label, ...scale);
  $("map-caption").textContent = place ? t("mapCounty") : t("noMap");
  $("zoom").textContent = state.zoomed ? t("zoomCounty") : t("zoomPlace");
}

// --- location ---------------------------------------------------------------------

function locate() {
  const msg = $("locate-msg");
  msg.hidden = false;
  if (!window.isSecureContext) { msg.textContent = t("insecure"); return; }
  if (!navigator.geolocation) { msg.textContent = t("noGeo"); return; }
  msg.textContent = t("locating");
  navigator.geolocation.getCurrentPosition((pos) => {
    const { latitude, longitude, accuracy } = pos.coords;
    $("place").value = `${latitude.toFixed(6)},${longitude.toFixed(6)}`;
    $("datum").value = "wgs84"; // the browser's position is WGS-84
    $("accuracy").value = String(Math.round(accuracy));
    msg.textContent = t("located")(Math.round(accuracy));
  }, (error) => {
    msg.textContent = t({ 1: "geoDenied", 2: "geoUnavailable", 3: "geoTimeout" }[error.code] || "geoUnavailable");
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

// --- batch --------------------------------------------------------------------------

async function runBatch(event) {
  event.preventDefault();
  $("batch-error").hidden = true;
  const file = $("file").files[0];
  if (!file) return showError("batch-error", t("needFile"));
  const params = new URLSearchParams({ lang: state.lang });
  for (const [id, name] of [["batch-activity", "activity"], ["batch-date", "date"], ["batch-format", "format"]]) {
    if ($(id).value) params.set(name, $(id).value);
  }
  const form = new FormData();
  form.append("file", file);
  $("batch-submit").disabled = true;
  $("batch-submit").textContent = t("uploading");
  try {
    const response = await getJSON(`/api/batch?${params}`, { method: "POST", body: form });
    const blob = await response.blob();
    const counts = JSON.parse(response.headers.get("X-Firecheck-Counts") || "{}");
    $("batch-summary").textContent = t("rows")(response.headers.get("X-Firecheck-Rows"), response.headers.get("X-Firecheck-Seconds"));
    $("batch-counts").replaceChildren(...Object.entries(counts).map(([status, n]) => {
      const row = el("tr");
      row.append(el("td", {}, t("statuses")[status] || status), el("td", {}, String(n)));
      return row;
    }));
    const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const link = $("download");
    if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = name ? name[1] : "checked";
    $("batch-result").hidden = false;
  } catch (e) {
    showError("batch-error", e.message);
    $("batch-result").hidden = true;
  } finally {
    $("batch-submit").disabled = false;
    $("batch-submit").textContent = t("batchSubmit");
  }
}

function tab(name) {
  $("check-view").hidden = name !== "check";
  $("batch-view").hidden = name !== "batch";
  $("tab-check").classList.toggle("on", name === "check");
  $("tab-batch").classList.toggle("on", name === "batch");
}

// --- start ----------------------------------------------------------------------------

async function start() {
  const params = new URLSearchParams(location.search);
  $("date").value = today();
  $("check-form").addEventListener("submit", runCheck);
  $("batch-form").addEventListener("submit", runBatch);
  $("locate").addEventListener("click", locate);
  $("lang").addEventListener("click", () => {
    setLang(state.lang === "zh" ? "en" : "zh");
    if (state.answer) {
      const url = new URL(location.href);
      url.searchParams.set("lang", state.lang);
      history.replaceState(null, "", url);
      $("share").href = location.href;
      $("share").textContent = `${t("share")}: ${location.href}`;
    }
  });
  $("zoom").addEventListener("click", () => { state.zoomed = !state.zoomed; drawMap(); });
  $("tab-check").addEventListener("click", () => tab("check"));
  $("tab-batch").addEventListener("click", () => tab("batch"));
  try {
    const [activities, places] = await Promise.all([getJSON("/api/activities"), getJSON("/api/places")]);
    state.activities = (await activities.json()).activities;
    state.places = (await places.json()).places;
  } catch (e) {
    showError("error", e.message);
  }
  setLang(params.get("lang") === "en" ? "en" : "zh");
  for (const name of FIELDS) {
    const value = params.get(name);
    if (value === null) continue;
    if (name === "activity") choose($("activity"), value);
    else $(name).value = value;
    if (name === "date" || name === "to") {
      if ($(name).value !== value) { $(name).value = ""; state.raw[name] = value; }
      $(name).addEventListener("input", () => { delete state.raw[name]; }, { once: true });
    }
  }
  if (params.get("place") && params.get("activity")) runCheck();
}

document.addEventListener("DOMContentLoaded", start);
