// newswire's map page: control points coloured by side, crossings with the status of each side,
// meetings, a date slider (as_of), a knowledge-time control (known_at), history and evidence on
// click, live updates from /api/v1/changes. Everything it loads comes from this server.
"use strict";

const DAY = 86400000;
const SIDE_COLOURS = {  // the commonest sides of the actor lexicon; others get a colour from PALETTE
  government: "#c62828", "pro-government": "#ef5350", opposition: "#2e7d32", "kurdish-led": "#f9a825",
  jihadist: "#212121", "islamic-state": "#000000", coalition: "#1565c0", Russia: "#6d4c41",
  Ukraine: "#0277bd", RSF: "#8e24aa", Houthis: "#00838f", Hamas: "#558b2f", Israel: "#283593",
};
const PALETTE = ["#d81b60", "#00897b", "#5e35b1", "#fb8c00", "#3949ab", "#7cb342", "#6d4c41", "#00acc1"];

const state = {
  asOf: null, knownAt: null, meta: null, firstDay: null,
  control: new Map(), crossings: new Map(), meetings: [], selected: null, fitted: false,
};

function sideColour(side) {
  if (SIDE_COLOURS[side]) return SIDE_COLOURS[side];
  let h = 0;
  for (const c of String(side)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function query(extra) {
  const p = new URLSearchParams(extra || {});
  if (state.asOf) p.set("as_of", state.asOf);
  if (state.knownAt) p.set("known_at", state.knownAt);
  return p.toString();
}

async function getJSON(path) {
  const response = await fetch(path, {headers: {Accept: "application/json"}});
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

// --- the map ------------------------------------------------------------------

const map = L.map("map", {worldCopyJump: true, zoomSnap: 0.5}).setView([30, 30], 3);
const outlines = L.layerGroup().addTo(map);
const places = L.layerGroup().addTo(map);
const crossingsLayer = L.layerGroup().addTo(map);
const meetingsLayer = L.layerGroup().addTo(map);
const markers = new Map();  // place_id -> marker

async function loadOutlines() {
  const topo = await getJSON("/static/vendor/world-atlas/countries-50m.json");
  L.geoJSON(topojson.feature(topo, topo.objects.countries), {
    style: {color: "#8a8a8a", weight: 0.7, fillColor: "#f3f0e8", fillOpacity: 1},
    interactive: false,
  }).addTo(outlines);
}

function placeTooltip(row) {
  const contested = row.status === "contested" ? " (contested)" : "";
  return `<b>${escapeHtml(row.place_name)}</b><br>${escapeHtml(row.controller_name)} · ${escapeHtml(row.side)}` +
    `<br>since ${escapeHtml(sinceText(row))}${contested}`;
}

// The date a row's fact took effect, and the words it came from ("on Thursday") when the article gave some.
function sinceText(row) {
  return row.since_text ? `${row.since} (${row.since_text})` : String(row.since ?? "");
}

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function drawPlace(row) {
  const old = markers.get(row.place_id);
  if (old) { places.removeLayer(old); markers.delete(row.place_id); }
  state.control.set(row.place_id, row);
  if (!row.geometry) return;
  const [lon, lat] = row.geometry.coordinates;
  const marker = L.circleMarker([lat, lon], {
    radius: 7, color: "#222", weight: row.status === "contested" ? 3 : 1, fillColor: sideColour(row.side),
    fillOpacity: 0.9, className: "place-marker",
  });
  marker.bindTooltip(placeTooltip(row));
  marker.on("click", () => selectPlace(row.place_id));
  marker.addTo(places);
  const path = marker.getElement();
  if (path) {
    path.setAttribute("data-place-id", row.place_id);
    path.setAttribute("data-side", row.side);
    path.setAttribute("data-controller", row.controller_name);
    path.setAttribute("data-name", row.place_name);
  }
  markers.set(row.place_id, marker);
}

function removePlace(placeId) {
  const old = markers.get(placeId);
  if (old) places.removeLayer(old);
  markers.delete(placeId);
  state.control.delete(placeId);
}

function drawCrossing(row) {
  state.crossings.set(row.crossing_id, row);
  if (!row.geometry) return;
  const sides = Object.entries(row.sides || {});
  const segments = sides.length ? sides.map(([code, s]) => [code, s.status]) : [["", row.status || "none"]];
  const html = `<div class="crossing-icon" data-crossing-id="${escapeHtml(row.crossing_id)}">` +
    segments.map(([code, status]) => `<span class="s-${escapeHtml(status)}" title="${escapeHtml(code)} ${escapeHtml(status)}"></span>`).join("") + "</div>";
  const icon = L.divIcon({html, className: "", iconSize: [12 * segments.length + 4, 16]});
  const [lon, lat] = row.geometry.coordinates;
  const lines = sides.map(([code, s]) => `${escapeHtml(code)}: ${escapeHtml(s.status)} since ${escapeHtml(s.since)}`);
  const holder = row.holder_name ? `<br>held by ${escapeHtml(row.holder_name)}` : "";
  L.marker([lat, lon], {icon, title: row.name})
    .bindTooltip(`<b>${escapeHtml(row.name)}</b> · ${escapeHtml(row.status || "")}${holder}<br>${lines.join("<br>")}`)
    .addTo(crossingsLayer);
}

function drawMeetings(rows) {
  state.meetings = rows;
  meetingsLayer.clearLayers();
  const list = document.querySelector("#meetings ul");
  list.replaceChildren();
  for (const m of rows) {
    const text = `${m.date_text} · ${m.location_name || "place unknown"} · ${m.participants.join(", ")}`;
    const item = el("li", {"data-meeting-id": m.meeting_id},
      el("span", {class: `status-${m.status}`, text: m.status}), " ", text);
    if (m.framework) item.append(el("span", {class: "note", text: ` (${m.framework})`}));
    list.append(item);
    if (!m.geometry) continue;
    const [lon, lat] = m.geometry.coordinates;
    const marker = L.marker([lat, lon], {icon: L.divIcon({html: "◆", className: "meeting-icon", iconSize: [18, 18]}),
      title: text}).bindTooltip(`<b>${escapeHtml(m.status)} meeting</b><br>${escapeHtml(text)}`).addTo(meetingsLayer);
    item.addEventListener("click", () => map.setView(marker.getLatLng(), Math.max(map.getZoom(), 6)));
  }
  if (!rows.length) list.append(el("li", {class: "note", text: "none"}));
}

function drawLegend() {
  const counts = new Map();
  for (const row of state.control.values()) counts.set(row.side, (counts.get(row.side) || 0) + 1);
  const list = document.querySelector("#legend ul");
  list.replaceChildren(...[...counts.keys()].sort().map((side) =>
    el("li", {"data-side": side, "data-colour": sideColour(side)},
      el("span", {class: "swatch", style: `background:${sideColour(side)}`}), `${side} (${counts.get(side)})`)));
  const rows = [...state.control.values()];
  const unlocated = rows.filter((r) => !r.geometry);
  const when = state.asOf ? `as of ${state.asOf}` : "now";
  const known = state.knownAt ? `, as known at ${state.knownAt} UTC` : "";
  document.querySelector("#summary").textContent =
    `${rows.length} places (${rows.length - unlocated.length} on the map), ${state.crossings.size} crossings, ` +
    `${state.meetings.length} meetings: ${when}${known}.`;
  const box = document.querySelector("#unlocated");
  box.hidden = unlocated.length === 0;
  box.querySelector("ul").replaceChildren(...unlocated.map((r) => {
    const item = el("li", {"data-place-id": r.place_id}, el("b", {text: r.place_name}),
      ` · ${r.controller_name}`, el("div", {class: "note", text: r.geometry_reason}));
    item.addEventListener("click", () => selectPlace(r.place_id));
    return item;
  }));
}

// --- loading ------------------------------------------------------------------

let loading = null;
let again = false;

async function loadAll() {
  if (loading) { again = true; return loading; }
  loading = (async () => {
    const [control, crossings, meetings] = await Promise.all([
      getJSON(`/api/v1/control?${query()}`), getJSON(`/api/v1/crossings?${query()}`),
      getJSON(`/api/v1/meetings?${query()}`)]);
    places.clearLayers(); markers.clear(); state.control.clear();
    control.data.forEach(drawPlace);
    crossingsLayer.clearLayers(); state.crossings.clear();
    crossings.data.forEach(drawCrossing);
    drawMeetings(meetings.data);
    drawLegend();
    const shown = [...places.getLayers(), ...crossingsLayer.getLayers(), ...meetingsLayer.getLayers()];
    if (!state.fitted && shown.length) {
      map.fitBounds(L.featureGroup(shown).getBounds().pad(0.2), {maxZoom: 7});
      state.fitted = true;
    }
    if (state.selected) await selectPlace(state.selected);
  })();
  try { await loading; } finally {
    loading = null;
    if (again) { again = false; loadAll(); }
  }
}

function live() { return !state.asOf && !state.knownAt; }

async function applyChanges(changes) {
  if (!live()) { await loadAll(); return; }
  let others = false;  // crossings and meetings are few: read their lists again
  for (const change of changes) {
    if (change.table === "control") {
      if (change.row) drawPlace(change.row); else removePlace(change.key);
      if (state.selected === change.key) selectPlace(change.key);
    } else {
      others = true;
    }
  }
  if (others) {
    const [crossings, rows] = await Promise.all([getJSON(`/api/v1/crossings?${query()}`), getJSON(`/api/v1/meetings?${query()}`)]);
    crossingsLayer.clearLayers(); state.crossings.clear();
    crossings.data.forEach(drawCrossing);
    drawMeetings(rows.data);
  }
  drawLegend();
}

// --- one place ------------------------------------------------------------------

function sourceLine(e) {
  const outlet = e.url ? el("a", {href: e.url, target: "_blank", rel: "noopener", text: e.outlet}) : el("span", {text: e.outlet});
  const who = e.attribution ? ` · according to ${e.attribution}` : "";
  return el("div", {class: "source"}, outlet, `${who} · ${e.modality} · reported ${(e.reported_at || "").slice(0, 10)}`);
}

async function selectPlace(placeId) {
  state.selected = placeId;
  const box = document.querySelector("#detail");
  const row = state.control.get(placeId);
  const known = state.knownAt ? `?known_at=${encodeURIComponent(state.knownAt)}` : "";
  const history = await getJSON(`/api/v1/control/${encodeURIComponent(placeId)}/history${known}`);
  box.hidden = false;
  const title = row ? row.place_name : (history.data[0] || {}).place_name || placeId;
  const parts = [el("h2", {text: title})];
  if (row) {
    parts.push(el("p", {class: "current", "data-place-id": placeId},
      el("b", {text: row.controller_name}), ` (${row.side}) since ${sinceText(row)} · `,
      el("span", {class: `status-${row.status}`, text: row.status}),
      ` · ${row.n_sources} source(s)`));
    if (!row.geometry) parts.push(el("p", {class: "note", text: `Not on the map: ${row.geometry_reason}`}));
    const evidence = el("div", {class: "evidence"}, el("h3", {text: "Evidence"}));
    for (const e of row.evidence) evidence.append(el("blockquote", {text: e.sentence}), sourceLine(e));
    parts.push(evidence);
  } else {
    parts.push(el("p", {class: "note", text: "No controller on this date."}));
  }
  const table = el("table", {class: "history"},
    el("tr", {}, ...["from", "to", "who", "status", "sources"].map((h) => el("th", {text: h}))));
  for (const h of history.data) {
    const sources = el("td");
    for (const e of h.sources) {
      sources.append(e.url ? el("a", {href: e.url, target: "_blank", rel: "noopener", text: e.outlet}) : e.outlet, " ");
    }
    const who = h.kind === "withdrawal" ? `${h.controller_name} withdrew` : `${h.controller_name} (${h.side})`;
    table.append(el("tr", {}, el("td", {text: h.date_text}), el("td", {text: h.valid_to || ""}), el("td", {text: who}),
      el("td", {class: `status-${h.status}`, text: h.status + (h.historical ? ", historical" : "")}), sources));
  }
  parts.push(el("h3", {text: "History"}), table);
  box.replaceChildren(...parts);
}

// --- controls ---------------------------------------------------------------------

function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }

function setupSlider(meta) {
  const slider = document.querySelector("#asof");
  const today = Date.parse(isoDay(Date.now()));
  const first = meta.first_date ? Date.parse(meta.first_date) : today - 365 * DAY;
  state.firstDay = Math.min(first, today - 30 * DAY);
  slider.max = String(Math.round((today - state.firstDay) / DAY));
  slider.value = slider.max;
  const label = document.querySelector("#asof-label");
  const read = () => (slider.value === slider.max ? null : isoDay(state.firstDay + Number(slider.value) * DAY));
  slider.addEventListener("input", () => { label.textContent = read() || "now"; });
  slider.addEventListener("change", () => { state.asOf = read(); label.textContent = state.asOf || "now"; loadAll(); });
}

function setupKnownAt() {
  const input = document.querySelector("#knownat");
  input.addEventListener("change", () => {
    state.knownAt = input.value ? `${input.value.length === 16 ? input.value + ":00" : input.value}Z` : null;
    loadAll();
  });
  document.querySelector("#knownat-now").addEventListener("click", () => {
    input.value = ""; state.knownAt = null; loadAll();
  });
}

function connect() {
  const badge = document.querySelector("#live");
  const source = new EventSource("/api/v1/changes");
  source.addEventListener("hello", () => {
    badge.textContent = "live"; badge.className = "live on";
    loadAll();  // anything projected before the stream opened
  });
  source.addEventListener("change", (msg) => applyChanges(JSON.parse(msg.data).changes));
  source.addEventListener("reset", () => loadAll());
  source.onerror = () => { badge.textContent = "reconnecting"; badge.className = "live off"; };
}

async function main() {
  const meta = await getJSON("/api/v1/meta");
  state.meta = meta;
  if (meta.tile_url) L.tileLayer(meta.tile_url, {attribution: meta.tile_attribution, maxZoom: 18}).addTo(map);
  setupSlider(meta);
  setupKnownAt();
  await Promise.all([loadOutlines(), loadAll()]);
  connect();
  document.body.setAttribute("data-ready", "true");
}

main();
