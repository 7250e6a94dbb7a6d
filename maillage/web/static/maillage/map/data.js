// The map payload (columnar, delta-encoded; see maillage/structures/map_data.py) and the
// selections the server computes for each set of filters.

export async function loadPayload(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`map data: HTTP ${response.status}`);
  const raw = await response.json();
  const count = raw.count;
  const lon = new Float64Array(count);
  const lat = new Float64Array(count);
  const commune = new Int32Array(count);
  let x = 0;
  let y = 0;
  let c = 0;
  for (let i = 0; i < count; i += 1) {
    x += raw.lon[i];
    y += raw.lat[i];
    lon[i] = x / raw.scale;
    lat[i] = y / raw.scale;
    c += raw.commune[i];
    commune[i] = c;
  }
  // The uids come as one comma-separated string without their common prefix (or, from
  // older payloads, as a list).
  const uids =
    typeof raw.uid === "string"
      ? count
        ? raw.uid.split(",").map((rest) => (raw.uid_prefix || "") + rest)
        : []
      : raw.uid;
  let byUid = null;
  let alphabetical = null;
  return {
    version: raw.version,
    count,
    uid: uids,
    name: raw.name,
    type: Uint16Array.from(raw.type),
    types: raw.types,
    commune,
    communeNames: raw.communes,
    lon,
    lat,
    /** Point indexes in name order (accents and case aside), computed on first use. */
    alphabetical() {
      if (!alphabetical) {
        const keys = raw.name.map((name) => name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase());
        alphabetical = Uint32Array.from({ length: count }, (_, i) => i);
        alphabetical.sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b));
      }
      return alphabetical;
    },
    indexOf(uid) {
      if (!byUid) byUid = new Map(uids.map((value, index) => [value, index]));
      return byUid.get(uid) ?? -1;
    },
  };
}

/** One byte per point, 1 when it matches; null (everything matches) stays null. */
export function decodeMatches(base64, count) {
  if (base64 === null) return null;
  const bits = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  const mask = new Uint8Array(count);
  for (let i = 0; i < count; i += 1) mask[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return mask;
}

export class SelectionClient {
  constructor(url) {
    this.url = url;
    this.cache = new Map();
    this.controller = null;
  }

  /** The selection for a filter query over the points of the payload `version` (the
   * server answers over another one when that one is no longer kept); an older request
   * still running is cancelled. */
  async fetch(query, version) {
    const key = `${query}#${version}`;
    if (this.cache.has(key)) return this.cache.get(key);
    this.controller?.abort();
    this.controller = new AbortController();
    const parameters = new URLSearchParams(query);
    parameters.set("version", version);
    const response = await fetch(`${this.url}?${parameters}`, { signal: this.controller.signal });
    if (!response.ok) throw new Error(`selection: HTTP ${response.status}`);
    const selection = await response.json();
    this.cache.set(key, selection);
    return selection;
  }
}
