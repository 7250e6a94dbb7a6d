// Clusters of the map's points, computed once per selection on the main thread from the
// payload's typed arrays, on a grid of square cells of CELL pixels in Web Mercator.
//
// Why not MapLibre's clustered GeoJSON source: it sends every point to a worker, which
// indexes them all for every zoom (supercluster); at 100,000 points on a 2-core machine that
// alone took longer than the 1.5 s budget. Here the grid is built in one pass over the
// points (cells are nested: a cell at zoom z is four cells at z + 1, so each shallower zoom
// is built from the cells of the zoom below), and the map is only ever given what the
// current view shows: the clusters of its zoom and the points outside them, a few hundred
// features instead of 100,000.
//
// clusterPoints gives:
// - `levels[z]`: the cells of zoom z (0 to MAX_ZOOM), each with its count, the sum of its
//   points' coordinates (their mean places the cluster) and their bounding box;
// - `clusteredUntil`: per point, the deepest zoom at which it is inside a cell of two points
//   or more (-1 when it is alone at every zoom); it is drawn on its own above that zoom.

export const MAX_ZOOM = 11; // clusters up to this zoom; every point on its own beyond
const CELL = 64; // pixels (at 512-pixel tiles, MapLibre's zoom scale)
const WORLD = 512;

function label(count) {
  if (count >= 10000) return `${Math.round(count / 1000)}k`;
  if (count >= 1000) return `${Math.round(count / 100) / 10}k`;
  return String(count);
}

/** Cells of the points whose mask byte is 1 (all points when mask is null). */
export function clusterPoints(lon, lat, count, mask) {
  const scale = (WORLD * 2 ** MAX_ZOOM) / CELL; // cells across the world at MAX_ZOOM
  const clusteredUntil = new Int8Array(count).fill(-1);
  const cellOf = new Int32Array(count).fill(-1);
  // Level MAX_ZOOM: one pass over the points.
  let keys = new Map(); // cell key → cell index
  let cells = [];
  for (let i = 0; i < count; i += 1) {
    if (mask && !mask[i]) continue;
    const x = Math.floor(((lon[i] + 180) / 360) * scale);
    const sin = Math.sin((Math.max(-85, Math.min(85, lat[i])) * Math.PI) / 180);
    const y = Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale);
    const key = x * scale + y;
    let index = keys.get(key);
    if (index === undefined) {
      index = cells.length;
      keys.set(key, index);
      cells.push({ x, y, n: 0, sx: 0, sy: 0, w: 180, s: 90, e: -180, north: -90, parent: -1 });
    }
    const cell = cells[index];
    cell.n += 1;
    cell.sx += lon[i];
    cell.sy += lat[i];
    if (lon[i] < cell.w) cell.w = lon[i];
    if (lon[i] > cell.e) cell.e = lon[i];
    if (lat[i] < cell.s) cell.s = lat[i];
    if (lat[i] > cell.north) cell.north = lat[i];
    cellOf[i] = index;
  }
  const levels = [];
  levels[MAX_ZOOM] = cells;
  // Shallower zooms: merge the cells of the zoom below, four into one.
  for (let z = MAX_ZOOM - 1; z >= 0; z -= 1) {
    const below = levels[z + 1];
    const width = (WORLD * 2 ** z) / CELL;
    keys = new Map();
    cells = [];
    for (const child of below) {
      const x = Math.floor(child.x / 2);
      const y = Math.floor(child.y / 2);
      const key = x * width + y;
      let index = keys.get(key);
      if (index === undefined) {
        index = cells.length;
        keys.set(key, index);
        cells.push({ x, y, n: 0, sx: 0, sy: 0, w: 180, s: 90, e: -180, north: -90, parent: -1 });
      }
      const cell = cells[index];
      cell.n += child.n;
      cell.sx += child.sx;
      cell.sy += child.sy;
      if (child.w < cell.w) cell.w = child.w;
      if (child.e > cell.e) cell.e = child.e;
      if (child.s < cell.s) cell.s = child.s;
      if (child.north > cell.north) cell.north = child.north;
      child.parent = index;
    }
    levels[z] = cells;
  }
  // The deepest zoom at which each deepest cell's points are in a cell of two or more
  // (counts only grow towards zoom 0, so it is the first such zoom going up).
  const deepest = levels[MAX_ZOOM];
  const until = new Int8Array(deepest.length).fill(-1);
  deepest.forEach((cell, index) => {
    let current = cell;
    for (let z = MAX_ZOOM; z >= 0; z -= 1) {
      if (current.n >= 2) {
        until[index] = z;
        break;
      }
      if (z > 0) current = levels[z - 1][current.parent];
    }
  });
  for (let i = 0; i < count; i += 1) {
    if (cellOf[i] >= 0) clusteredUntil[i] = until[cellOf[i]];
  }
  return { levels, clusteredUntil };
}


function inside(bounds, lon, lat) {
  return lon >= bounds.west && lon <= bounds.east && lat >= bounds.south && lat <= bounds.north;
}

/** GeoJSON features of what a view at `zoom` within `bounds` shows: the clusters of that
 * zoom (cells of two points or more) and the points outside any cluster. */
export function visibleFeatures(grid, data, mask, zoom, bounds) {
  const z = Math.max(0, Math.floor(zoom));
  const clusters = [];
  if (z <= MAX_ZOOM) {
    for (const cell of grid.levels[z]) {
      if (cell.n < 2) continue;
      const lon = cell.sx / cell.n;
      const lat = cell.sy / cell.n;
      if (!inside(bounds, lon, lat)) continue;
      clusters.push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [lon, lat] },
        properties: { z, label: label(cell.n), w: cell.w, s: cell.s, e: cell.e, n: cell.north },
      });
    }
  }
  const points = [];
  const { lon, lat } = data;
  for (let i = 0; i < data.count; i += 1) {
    if ((mask && !mask[i]) || grid.clusteredUntil[i] >= z || !inside(bounds, lon[i], lat[i])) {
      continue;
    }
    points.push({
      type: "Feature",
      id: i,
      geometry: { type: "Point", coordinates: [lon[i], lat[i]] },
      properties: { t: data.type[i] },
    });
  }
  return { clusters, points };
}
