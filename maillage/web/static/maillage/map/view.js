// The map itself: a MapLibre map whose style is built here (sea, land, departments and
// regions from the bundled GeoJSON), so it draws France with no network at all. A remote
// base map (settings MAP_STYLE_URL) is layered in when it loads, and ignored when it fails.

import { Map as MapLibreMap, NavigationControl, setWorkerCount, setWorkerUrl } from "maplibre-gl";

import { MAX_ZOOM, clusterPoints, visibleFeatures } from "maillage-map/clusters.js";
import { absolute, config, t } from "maillage-map/config.js";

const FALLBACK_COLOR = "#5f5b53";
const CLUSTER_COLOR = "#1d1c19";
const METROPOLE = [
  [-5.2, 42.3],
  [8.3, 51.1],
];

function localStyle() {
  return {
    version: 8,
    sources: {
      // First, so that it gets a worker of its own (see setWorkerCount below).
      structures: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      clusters: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      regions: { type: "geojson", data: absolute(config.urls.regions) },
      selected: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
      departments: { type: "geojson", data: absolute(config.urls.departments) },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#dde6ee" } },
      { id: "land", type: "fill", source: "departments", paint: { "fill-color": "#fbfaf7" } },
      {
        id: "departments",
        type: "line",
        source: "departments",
        minzoom: 5,
        paint: { "line-color": "#c9c4b8", "line-width": 0.6 },
      },
      {
        id: "regions",
        type: "line",
        source: "regions",
        paint: {
          "line-color": "#9a958a",
          "line-width": ["interpolate", ["linear"], ["zoom"], 4, 0.8, 9, 1.6],
        },
      },
      ...MapView.dataLayers(),
    ],
  };
}

/** A cluster marker drawn on a canvas: no font files needed for the numbers. */
function clusterImage(label) {
  const ratio = Math.min(window.devicePixelRatio || 1, 2);
  const digits = String(label).length;
  const radius = 13 + Math.min(digits, 5) * 3;
  const size = Math.ceil((radius + 3) * 2 * ratio);
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext("2d");
  context.scale(ratio, ratio);
  const centre = size / ratio / 2;
  context.beginPath();
  context.arc(centre, centre, radius + 2, 0, Math.PI * 2);
  context.fillStyle = "rgba(255,255,255,0.92)";
  context.fill();
  context.beginPath();
  context.arc(centre, centre, radius, 0, Math.PI * 2);
  context.fillStyle = CLUSTER_COLOR;
  context.fill();
  context.fillStyle = "#ffffff";
  context.font = `700 ${digits > 3 ? 11 : 12}px system-ui, sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(String(label), centre, centre + 0.5);
  const data = context.getImageData(0, 0, size, size);
  return { image: { width: size, height: size, data: data.data }, pixelRatio: ratio };
}

export class MapView {
  constructor(container, { position, onMove, onPoint, onLoad }) {
    setWorkerUrl(absolute(config.urls.worker));
    // Two workers even on a two-core machine: the points are tiled while the other worker
    // reads the boundaries.
    setWorkerCount(Math.max(2, Math.min(navigator.hardwareConcurrency || 2, 4) - 1));
    this.onMove = onMove;
    this.onPoint = onPoint;
    this.data = null;
    // Without a position in the URL, metropolitan France fills the map, whatever its size.
    const start = position
      ? { center: [position.lon, position.lat], zoom: position.zoom }
      : { bounds: METROPOLE, fitBoundsOptions: { padding: 8 } };
    this.map = new MapLibreMap({
      container,
      style: localStyle(),
      ...start,
      minZoom: 2,
      maxZoom: 18,
      attributionControl: { compact: true },
      dragRotate: false,
      // Symbols appear at once: no fade to wait for before the map is idle.
      fadeDuration: 0,
      pitchWithRotate: false,
      locale: {
        "NavigationControl.ZoomIn": t("zoomIn"),
        "NavigationControl.ZoomOut": t("zoomOut"),
        "NavigationControl.ResetBearing": t("resetBearing"),
        "Map.Title": t("mapLabel"),
      },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.addControl(new NavigationControl({ showCompass: false }), "bottom-right");
    // Without a listener MapLibre logs every failed tile to the console; a base map that
    // cannot be reached (offline, blocked) is expected, and the local layers remain.
    this.map.on("error", () => {});
    // Cluster markers are drawn when a tile first needs them; the resolver is awaited before
    // the tile is laid out, so a marker never waits for the next redraw.
    this.map.setMissingStyleImageResolver((id) => {
      if (!id.startsWith("cluster:") || this.map.hasImage(id)) return;
      const { image, pixelRatio } = clusterImage(id.slice("cluster:".length));
      this.map.addImage(id, image, { pixelRatio });
    });
    this.bindEvents();
    // The style is an object: its sources exist as soon as it is parsed, so the points can
    // be sent to the worker before the base map has finished drawing.
    this.map.once("style.load", () => onLoad?.());
    this.map.once("load", () => {
      if (config.styleUrl) this.addRemoteBaseMap(config.styleUrl);
    });
  }

  place(name) {
    const [zoom, lat, lon] = config.places[name];
    return { zoom, lat, lon };
  }

  /**
   * Go to a named place; metropolitan France is fitted to the map's size. Every place is
   * reached in the same 600 ms ease: fitBounds' default flight from an overseas territory
   * lasts seconds, during which the list still shows the place left behind.
   */
  goTo(name) {
    if (name === "metropole") {
      const duration = this.reduceMotion() ? 0 : 600;
      this.map.fitBounds(METROPOLE, { padding: 8, linear: true, duration });
    } else this.flyTo(this.place(name));
  }

  reduceMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  /** The layers of the structures, above the base map. */
  static dataLayers() {
    return [
      {
        id: "points",
        type: "circle",
        source: "structures",
        paint: {
          "circle-color": FALLBACK_COLOR,
          "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 5, 12, 7, 16, 9],
          "circle-stroke-width": 1.5,
          "circle-stroke-color": "#ffffff",
        },
      },
      {
        id: "clusters",
        type: "symbol",
        source: "clusters",
        layout: {
          "icon-image": ["concat", "cluster:", ["get", "label"]],
          "icon-allow-overlap": true,
          "icon-ignore-placement": true,
        },
      },
      {
        id: "selected",
        type: "circle",
        source: "selected",
        paint: {
          "circle-color": "rgba(36,71,199,0.15)",
          "circle-radius": 16,
          "circle-stroke-width": 3,
          "circle-stroke-color": "#2447c7",
        },
      },
    ];
  }

  bindEvents() {
    this.map.on("moveend", () => {
      this.showVisible();
      this.onMove?.(this.position());
    });
    for (const layer of ["clusters", "points"]) {
      this.map.on("mouseenter", layer, () => {
        this.map.getCanvas().style.cursor = "pointer";
      });
      this.map.on("mouseleave", layer, () => {
        this.map.getCanvas().style.cursor = "";
      });
    }
    // A cluster opens onto its points: the map fits their bounding box, at least one zoom
    // deeper (points sharing a place are fitted to the first zoom that shows them apart).
    this.map.on("click", "clusters", (event) => {
      const { z, w, s, e, n } = event.features[0].properties;
      const camera = this.map.cameraForBounds(
        [
          [w, s],
          [e, n],
        ],
        { padding: 48 },
      );
      const zoom = Math.min(Math.max(camera?.zoom ?? 0, z + 1), MAX_ZOOM + 1);
      const center = camera?.center ?? event.features[0].geometry.coordinates;
      this.map.easeTo({ center, zoom });
    });
    this.map.on("click", "points", (event) => {
      const index = event.features[0].id;
      this.onPoint?.(index);
    });
  }

  async addRemoteBaseMap(styleUrl) {
    let style;
    try {
      const response = await fetch(styleUrl);
      if (!response.ok) return;
      style = await response.json();
    } catch {
      return; // offline or blocked: the local layers stay
    }
    try {
      if (style.glyphs) this.map.setGlyphs(style.glyphs);
      if (style.sprite) this.map.setSprite(style.sprite);
      for (const [id, source] of Object.entries(style.sources || {})) {
        this.map.addSource(`base-${id}`, source);
      }
      for (const layer of style.layers || []) {
        const copy = { ...layer, id: `base-${layer.id}` };
        if (layer.source) copy.source = `base-${layer.source}`;
        this.map.addLayer(copy, "departments");
      }
      this.map.setLayoutProperty("land", "visibility", "none");
    } catch {
      // A style this code cannot merge: keep the local base map.
    }
  }

  /** Draw the points of `data` whose mask byte is 1 (all of them when mask is null). */
  setPoints(data, mask) {
    if (this.data !== data) {
      this.data = data;
      const colors = ["match", ["get", "t"]];
      data.types.forEach((slug, index) => {
        colors.push(index, config.types[slug]?.color || FALLBACK_COLOR);
      });
      colors.push(FALLBACK_COLOR);
      this.map.setPaintProperty("points", "circle-color", data.types.length ? colors : FALLBACK_COLOR);
    }
    this.mask = mask;
    this.grid = clusterPoints(data.lon, data.lat, data.count, mask);
    this.showVisible();
  }

  /** Give the map what the view shows, with a margin of half a screen on each side so that
   * panning does not uncover an empty edge before the move ends. */
  showVisible() {
    if (!this.grid) return;
    const { west, south, east, north } = this.bounds();
    const dx = (east - west) / 2;
    const dy = (north - south) / 2;
    const bounds = { west: west - dx, south: south - dy, east: east + dx, north: north + dy };
    const zoom = this.map.getZoom();
    const { clusters, points } = visibleFeatures(this.grid, this.data, this.mask, zoom, bounds);
    this.map.getSource("clusters").setData({ type: "FeatureCollection", features: clusters });
    this.map.getSource("structures").setData({ type: "FeatureCollection", features: points });
  }

  select(index) {
    const features =
      index >= 0 && this.data
        ? [
            {
              type: "Feature",
              geometry: { type: "Point", coordinates: [this.data.lon[index], this.data.lat[index]] },
              properties: {},
            },
          ]
        : [];
    this.map.getSource("selected")?.setData({ type: "FeatureCollection", features });
  }

  position() {
    const center = this.map.getCenter();
    return { zoom: this.map.getZoom(), lat: center.lat, lon: center.lng };
  }

  jumpTo(position) {
    this.map.jumpTo({ center: [position.lon, position.lat], zoom: position.zoom });
  }

  flyTo(position) {
    const options = { center: [position.lon, position.lat], zoom: position.zoom };
    if (this.reduceMotion()) this.map.jumpTo(options);
    else this.map.easeTo({ ...options, duration: 600 });
  }

  /** Whether the point is in the visible part of the map. */
  contains(index) {
    return this.map.getBounds().contains([this.data.lon[index], this.data.lat[index]]);
  }

  bounds() {
    const bounds = this.map.getBounds();
    return {
      west: bounds.getWest(),
      south: bounds.getSouth(),
      east: bounds.getEast(),
      north: bounds.getNorth(),
    };
  }

  resize() {
    this.map.resize();
  }

  onceIdle(callback) {
    this.map.once("idle", callback);
  }
}
