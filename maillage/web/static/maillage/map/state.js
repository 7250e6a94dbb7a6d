// The map's state and its URL: the same parameter names as the server's StructureFilters,
// plus `at=zoom/lat/lon` (the map position) and `structure=<uid>` (the open card).

export const VOCABULARY = ["type", "theme", "format", "audience", "partner"];
export const MULTIPLE = [...VOCABULARY, "region", "department", "territory", "size"];
export const BOOLEAN = ["resilience", "verified"];
// Filters the server understands but the page has no control for: kept as they are.
export const EXTRA = ["epci", "updated_since", "bbox", "near", "radius"];

export function emptyState() {
  return {
    q: "",
    filters: Object.fromEntries(MULTIPLE.map((name) => [name, []])),
    modes: Object.fromEntries(VOCABULARY.map((name) => [name, "or"])),
    booleans: Object.fromEntries(BOOLEAN.map((name) => [name, ""])),
    extra: {},
    at: null,
    structure: "",
  };
}

export function cloneState(state) {
  return structuredClone(state);
}

function splitValues(values) {
  const seen = new Set();
  for (const value of values) {
    for (const part of value.split(",")) {
      if (part.trim()) seen.add(part.trim());
    }
  }
  return [...seen];
}

export function parseAt(text) {
  const match = /^(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(text || "");
  if (!match) return null;
  const [zoom, lat, lon] = match.slice(1).map(Number);
  if (zoom > 22 || Math.abs(lat) > 85 || Math.abs(lon) > 180) return null;
  return { zoom, lat, lon };
}

/** The state a query string describes; `known` (parameter → values) drops unknown values. */
export function parseQuery(search, known = null) {
  const params = new URLSearchParams(search);
  const state = emptyState();
  state.q = (params.get("q") || "").trim();
  for (const name of MULTIPLE) {
    let values = splitValues(params.getAll(name));
    if (known && known[name]) values = values.filter((value) => value in known[name]);
    state.filters[name] = values;
  }
  for (const name of VOCABULARY) {
    state.modes[name] = (params.get(`${name}_mode`) || "").toLowerCase() === "and" ? "and" : "or";
  }
  for (const name of BOOLEAN) {
    const value = params.get(name) || "";
    state.booleans[name] = value === "yes" || value === "no" ? value : "";
  }
  for (const name of EXTRA) {
    if (params.get(name)) state.extra[name] = params.get(name);
  }
  state.at = parseAt(params.get("at"));
  state.structure = params.get("structure") || "";
  return state;
}

/** The filter parameters only, in a fixed order: what the selection and exports read. */
export function filterParams(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const name of MULTIPLE) {
    for (const value of state.filters[name]) params.append(name, value);
    if (VOCABULARY.includes(name) && state.modes[name] === "and") params.set(`${name}_mode`, "and");
  }
  for (const name of BOOLEAN) {
    if (state.booleans[name]) params.set(name, state.booleans[name]);
  }
  for (const name of EXTRA) {
    if (state.extra[name]) params.set(name, state.extra[name]);
  }
  return params;
}

export function filterQuery(state) {
  return filterParams(state).toString();
}

function trimNumber(value, digits) {
  return String(Number(value.toFixed(digits)));
}

export function formatAt(at) {
  return `${trimNumber(at.zoom, 2)}/${trimNumber(at.lat, 5)}/${trimNumber(at.lon, 5)}`;
}

/** The whole state as a query string: filters, then position and open structure. */
export function stateQuery(state) {
  const params = filterParams(state);
  if (state.at) params.set("at", formatAt(state.at));
  if (state.structure) params.set("structure", state.structure);
  const text = params.toString();
  // Slashes and commas read better unescaped, and are valid in a query string.
  return text.replace(/%2F/g, "/").replace(/%2C/g, ",");
}

export function hasFilters(state) {
  return filterQuery(state) !== "";
}

export function clearFilters(state) {
  const cleared = emptyState();
  cleared.at = state.at;
  return cleared;
}
