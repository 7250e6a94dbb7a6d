// The dynamic map: wires the state (in the URL), the map, the filters, the search, the list
// and the card. Filter changes and opened cards are history entries; map moves replace the
// current entry, so Back walks through what the user chose, not every pan.

import { config, t, tn, url } from "maillage-map/config.js";
import { Card } from "maillage-map/card.js";
import { decodeMatches, loadPayload, SelectionClient } from "maillage-map/data.js";
import { FiltersForm, renderChips } from "maillage-map/filters.js";
import { StructureList } from "maillage-map/list.js";
import { SearchBox } from "maillage-map/search.js";
import {
  BOOLEAN,
  clearFilters,
  cloneState,
  filterQuery,
  hasFilters,
  MULTIPLE,
  parseQuery,
  stateQuery,
} from "maillage-map/state.js";
import { MapView } from "maillage-map/view.js";

const app = document.querySelector("[data-map-app]");
const find = (name) => app.querySelector(`[data-${name}]`);

// -- state -------------------------------------------------------------------------------

function initialState() {
  const state = parseQuery(config.initial.query, config.labels);
  state.at = config.initial.position?.zoom !== undefined ? config.initial.position : null;
  state.structure = config.initial.structure || "";
  return state;
}

let state = initialState();
let data = null;
let selection = null;
let mask = null;
let selectionQuery = null;
let mapLoaded = false;

function pageUrl(query, base = window.location.pathname) {
  return query ? `${base}?${query}` : base;
}

function commit(next, { push = true } = {}) {
  const filtersChanged = filterQuery(next) !== filterQuery(state);
  state = next;
  const target = pageUrl(stateQuery(state));
  if (target !== window.location.pathname + window.location.search) {
    if (push) window.history.pushState(null, "", target);
    else window.history.replaceState(null, "", target);
  }
  updateLinks();
  if (filtersChanged) refreshSelection();
}

function updateLinks() {
  const filters = filterQuery(state);
  for (const link of app.querySelectorAll("[data-export]")) {
    link.href = pageUrl(filters, url("export", { format: link.dataset.export }));
  }
  const withPosition = stateQuery({ ...state, structure: "" });
  const share = find("share-link");
  if (share) share.href = pageUrl(withPosition, url("share"));
  const full = find("full-map-link");
  if (full) full.href = pageUrl(stateQuery(state), url("map"));
  const chips = find("chips");
  if (chips) renderChips(chips, state, { onRemove: removeFilter });
  const clear = find("clear-filters");
  if (clear) clear.hidden = !hasFilters(state);
}

// -- selection ---------------------------------------------------------------------------

const selections = new SelectionClient(url("selection"));

async function refreshSelection() {
  const query = filterQuery(state);
  app.setAttribute("aria-busy", "true");
  let result;
  try {
    result = await selections.fetch(query, data ? data.version : config.version);
  } catch (error) {
    if (error.name === "AbortError") return;
    throw error;
  }
  if (query !== filterQuery(state)) return;
  if (data && result.version !== data.version) {
    // The payload the page holds is no longer kept: take the one the selection is over.
    data = await loadPayload(url("versionData", { version: result.version }));
  }
  selection = result;
  selectionQuery = query;
  mask = data ? decodeMatches(result.matches, data.count) : null;
  app.removeAttribute("aria-busy");
  filters?.updateCounts(result.facets);
  showCount();
  draw();
}

function showCount() {
  const count = find("selection-count");
  if (!selection || !count) return;
  let text = tn("count", selection.count);
  const unplaced = selection.count - selection.placed;
  if (unplaced > 0) text += ` (${tn(selection.current === false ? "notDrawn" : "unplaced", unplaced)})`;
  count.textContent = text;
  find("empty").hidden = selection.count !== 0;
}

// -- drawing -----------------------------------------------------------------------------

let drawn = { data: null, mask: undefined };
let waitingForIdle = false;

function draw() {
  if (!data || !mapLoaded) return;
  // With filters, wait for the server to say which points match.
  const filtered = hasFilters(state);
  if (filtered && selectionQuery !== filterQuery(state)) return;
  // The points of the selection of these filters, once known (over a payload older than
  // the data, no filter also leaves out the structures withdrawn since).
  const shownMask = selectionQuery === filterQuery(state) ? mask : null;
  if (drawn.data !== data || drawn.mask !== shownMask) {
    view.setPoints(data, shownMask);
    drawn = { data, mask: shownMask };
    performance.mark("maillage:points-set");
  }
  syncSelected();
  if (app.hasAttribute("data-map-ready")) {
    updateList();
    return;
  }
  if (waitingForIdle) return;
  waitingForIdle = true;
  // First drawing: the list (which sorts the names once) waits until the map is drawn.
  view.onceIdle(() => {
    performance.mark("maillage:map-ready");
    app.setAttribute("data-map-ready", "");
    updateList();
  });
}

function updateList() {
  if (!data || !mapLoaded) return;
  const known = selectionQuery === filterQuery(state);
  list.render(data, known ? mask : null, view.bounds(), state.structure);
}

function syncSelected() {
  view.select(state.structure && data ? data.indexOf(state.structure) : -1);
}

// -- the card ----------------------------------------------------------------------------

function openStructure(uid, { focus = true, move = false, returnFocus = null } = {}) {
  commit({ ...cloneState(state), structure: uid });
  card.open(uid, { focus, returnFocus });
  syncSelected();
  updateList();
  if (move && data) {
    const index = data.indexOf(uid);
    if (index >= 0 && !view.contains(index)) {
      view.flyTo({ zoom: Math.max(view.position().zoom, 12), lat: data.lat[index], lon: data.lon[index] });
    } else if (index >= 0 && view.position().zoom < 9) {
      view.flyTo({ zoom: 12, lat: data.lat[index], lon: data.lon[index] });
    }
  }
}

function closeStructure() {
  const uid = state.structure;
  commit({ ...cloneState(state), structure: "" });
  card.close();
  syncSelected();
  updateList();
  const link = app.querySelector(`[data-map-list] [data-structure="${CSS.escape(uid)}"]`);
  if (link && !app.contains(document.activeElement)) link.focus();
}

// -- filters, search ---------------------------------------------------------------------

function removeFilter(parameter, value) {
  const next = cloneState(state);
  if (parameter === "q") next.q = "";
  else if (MULTIPLE.includes(parameter)) next.filters[parameter] = next.filters[parameter].filter((v) => v !== value);
  else if (BOOLEAN.includes(parameter)) next.booleans[parameter] = "";
  else delete next.extra[parameter];
  applyToControls(next);
  commit(next);
}

function applyToControls(next) {
  filters?.write(next);
  search?.setValue(next.q);
}

const filtersForm = find("filters");
const filters = filtersForm
  ? new FiltersForm(filtersForm, {
      onChange: (values) => {
        const next = { ...cloneState(state), ...values };
        filters.updateSelectedCounts();
        commit(next);
      },
    })
  : null;

const searchForm = find("search");
const search = searchForm
  ? new SearchBox(searchForm, {
      onSearch: (q) => {
        commit({ ...cloneState(state), q });
        search.setValue(q);
      },
      onStructure: (uid) => {
        search.setValue(state.q);
        openStructure(uid, { move: true });
      },
      onCommune: (commune) => {
        search.setValue(state.q);
        if (commune.latitude !== null) view.flyTo({ zoom: 11.5, lat: commune.latitude, lon: commune.longitude });
      },
      onTheme: (slug) => {
        const next = cloneState(state);
        if (!next.filters.theme.includes(slug)) next.filters.theme.push(slug);
        search.setValue(state.q);
        applyToControls(next);
        commit(next);
      },
    })
  : null;

for (const button of app.querySelectorAll("[data-clear-filters], [data-empty-clear]")) {
  button.addEventListener("click", () => {
    const next = clearFilters(state);
    next.structure = state.structure;
    applyToControls(next);
    commit(next);
  });
}

for (const button of app.querySelectorAll("[data-place]")) {
  button.addEventListener("click", () => view.goTo(button.dataset.place));
}

// The filters panel opens as a drawer on narrow screens.
const panel = find("panel");
for (const toggle of app.querySelectorAll("[data-panel-toggle]")) {
  toggle.addEventListener("click", () => {
    const open = panel.dataset.open !== "true";
    panel.dataset.open = String(open);
    for (const other of app.querySelectorAll("[data-panel-toggle]")) other.setAttribute("aria-expanded", String(open));
    if (open) panel.querySelector("input, button, summary")?.focus();
    else find("panel-open")?.focus();
  });
}

for (const dismiss of app.querySelectorAll("[data-notice-dismiss]")) {
  dismiss.addEventListener("click", () => {
    dismiss.closest("[data-notice]").hidden = true;
  });
}

// On a phone the legend starts folded, to leave the map visible.
const legend = find("legend");
if (legend && window.matchMedia("(max-width: 63.99rem)").matches) legend.open = false;

// -- map, list, card ---------------------------------------------------------------------

const list = new StructureList(find("map-list"), find("list-summary"), {
  hrefFor: (uid) => pageUrl(stateQuery({ ...state, structure: uid })),
  onOpen: (uid, link) => openStructure(uid, { focus: true, returnFocus: link }),
});

const card = new Card(find("card"), { onClose: closeStructure });

const view = new MapView(find("map-canvas"), {
  position: state.at,
  onLoad: () => {
    performance.mark("maillage:style-loaded");
    mapLoaded = true;
    draw();
  },
  onMove: (position) => {
    const next = { ...cloneState(state), at: position };
    commit(next, { push: false });
    updateList();
  },
  onPoint: (index) => openStructure(data.uid[index], { focus: false }),
});

// A handle for the browser tests and for debugging in the console.
window.maillageMap = view;

window.addEventListener("popstate", () => {
  const next = parseQuery(window.location.search, config.labels);
  const previous = state;
  const filtersChanged = filterQuery(next) !== filterQuery(previous);
  state = next;
  applyToControls(next);
  updateLinks();
  if (filtersChanged) refreshSelection();
  if (next.at) {
    const here = view.position();
    if (Math.abs(here.zoom - next.at.zoom) > 0.01 || Math.abs(here.lat - next.at.lat) > 1e-4 || Math.abs(here.lon - next.at.lon) > 1e-4) {
      view.jumpTo(next.at);
    }
  }
  if (next.structure) card.open(next.structure);
  else card.close();
  syncSelected();
  updateList();
});

// -- start -------------------------------------------------------------------------------

window.history.replaceState(null, "", pageUrl(stateQuery(state)));
updateLinks();
if (state.structure) card.open(state.structure);
if (hasFilters(state) || filters || !config.current) refreshSelection();

loadPayload(url("data"))
  .then((loaded) => {
    performance.mark("maillage:payload-decoded");
    data = loaded;
    if (selection) mask = decodeMatches(selection.matches, data.count);
    if (state.structure && !state.at) {
      const index = data.indexOf(state.structure);
      if (index >= 0) view.jumpTo({ zoom: 12, lat: data.lat[index], lon: data.lon[index] });
    }
    draw();
  })
  .catch(() => {
    const failure = find("load-failed");
    failure.textContent = t("loadFailed");
    failure.hidden = false;
  });
