// The interactive partnership graph: SVG drawn from the page's JSON (#network-data).
// Pan by dragging, zoom with the wheel or the buttons; hovering or focusing an actor
// highlights its partners; a structure opens its page on click or Enter. The table after
// the graph holds the same links for screen readers and without JavaScript.

import { layout } from "./layout.js";

const SVG = "http://www.w3.org/2000/svg";
const MIN_SCALE = 0.3;
const MAX_SCALE = 4;

function svg(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.append(element);
  return element;
}

function start() {
  const figure = document.querySelector("[data-network-graph]");
  const source = document.getElementById("network-data");
  if (!figure || !source) return;
  const data = JSON.parse(source.textContent);
  const canvas = figure.querySelector("[data-network-canvas]");
  const status = figure.querySelector("[data-network-status]");
  const centre = figure.dataset.networkCentre || null;
  figure.hidden = false;

  const { nodes, edges } = data;
  const { points, degree } = layout(nodes, edges, { fixed: centre });
  const neighbours = new Map(nodes.map((node) => [node.id, new Set()]));
  for (const edge of edges) {
    neighbours.get(edge.source).add(edge.target);
    neighbours.get(edge.target).add(edge.source);
  }

  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  // The drawing's box, never smaller than the canvas: a small network is not blown up, so
  // labels grow at most 1.4 times; a large one is scaled down to fit, and zoom brings it closer.
  const pad = 90;
  const width = Math.max(Math.max(...xs) - Math.min(...xs) + 2 * pad, canvas.clientWidth / 1.4);
  const height = Math.max(Math.max(...ys) - Math.min(...ys) + pad, canvas.clientHeight / 1.4);
  const box = {
    x: (Math.max(...xs) + Math.min(...xs)) / 2 - width / 2,
    y: (Math.max(...ys) + Math.min(...ys)) / 2 - height / 2,
    width,
    height,
  };
  const root = svg("svg", {
    viewBox: `${box.x} ${box.y} ${box.width} ${box.height}`,
    "aria-hidden": "true",
    focusable: "false",
    class: "network-graph__svg",
  });
  const viewport = svg("g", { class: "network-graph__viewport" }, root);
  const edgeLayer = svg("g", { class: "network-graph__edges" }, viewport);
  const nodeLayer = svg("g", { class: "network-graph__nodes" }, viewport);

  const position = new Map(nodes.map((node, i) => [node.id, points[i]]));
  const edgeElements = edges.map((edge) => {
    const a = position.get(edge.source);
    const b = position.get(edge.target);
    const line = svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "network-edge" }, edgeLayer);
    line.dataset.source = edge.source;
    line.dataset.target = edge.target;
    return line;
  });
  const nodeElements = new Map();
  nodes.forEach((node, i) => {
    const p = points[i];
    const group = svg("g", {
      class: `network-node network-node--${node.kind}`,
      transform: `translate(${p.x} ${p.y})`,
    }, nodeLayer);
    group.dataset.networkNode = node.id;
    group.dataset.label = node.label;
    const size = Math.min(6 + 2 * Math.sqrt(degree[i]), 16);
    if (node.kind === "structure") {
      svg("circle", { r: size, fill: node.color, class: "network-node__shape" }, group);
    } else {
      const side = size * 1.6;
      svg("rect", {
        x: -side / 2, y: -side / 2, width: side, height: side, rx: 2,
        fill: node.color, class: "network-node__shape",
      }, group);
    }
    svg("circle", { r: size + 6, class: "network-node__ring" }, group);
    const label = svg("text", { x: size + 4, y: 4, class: "network-node__label" }, group);
    label.textContent = node.label.length > 38 ? `${node.label.slice(0, 36)}…` : node.label;
    if (node.kind === "structure" || degree[i] > 1 || nodes.length <= 30) {
      group.classList.add("network-node--labelled");
    }
    nodeElements.set(node.id, group);
  });
  canvas.append(root);

  // ---- highlight ----
  // The keyboard walks the actors in the order of their labels (the centre first).
  const order = nodes
    .map((node, i) => i)
    .sort((a, b) => (nodes[a].id === centre ? -1 : nodes[b].id === centre ? 1
      : nodes[a].label.localeCompare(nodes[b].label, document.documentElement.lang)));
  let current = -1; // position in `order`
  function highlight(id) {
    root.classList.toggle("has-focus", id !== null);
    const near = id === null ? new Set() : neighbours.get(id);
    for (const [nodeId, element] of nodeElements) {
      element.classList.toggle("is-focus", nodeId === id);
      element.classList.toggle("is-neighbour", near.has(nodeId));
    }
    for (const line of edgeElements) {
      line.classList.toggle(
        "is-near", id !== null && (line.dataset.source === id || line.dataset.target === id),
      );
    }
  }
  function describe(index) {
    const node = nodes[index];
    const names = [...neighbours.get(node.id)].map((id) => nodeElements.get(id).dataset.label);
    const kind = node.type_label ? ` (${node.type_label})` : "";
    const action = node.url ? ` ${canvas.dataset.openHint || ""}` : "";
    status.textContent = `${node.label}${kind} : ${names.join(", ")}.${action}`;
  }
  function select(position) {
    current = (position + order.length) % order.length;
    highlight(nodes[order[current]].id);
    describe(order[current]);
  }
  function clear() {
    current = -1;
    highlight(null);
    status.textContent = "";
  }

  // ---- pan and zoom ----
  const view = { x: 0, y: 0, k: 1 };
  function apply() {
    viewport.setAttribute("transform", `translate(${view.x} ${view.y}) scale(${view.k})`);
  }
  function zoom(factor, cx = box.x + box.width / 2, cy = box.y + box.height / 2) {
    const k = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.k * factor));
    view.x = cx - ((cx - view.x) * k) / view.k;
    view.y = cy - ((cy - view.y) * k) / view.k;
    view.k = k;
    apply();
  }
  function toSvg(event) {
    const matrix = root.getScreenCTM().inverse();
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix);
    return point;
  }
  let drag = null;
  root.addEventListener("pointerdown", (event) => {
    const point = toSvg(event);
    drag = { x: point.x, y: point.y, vx: view.x, vy: view.y, moved: false };
    root.setPointerCapture(event.pointerId);
  });
  root.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const point = toSvg(event);
    const dx = point.x - drag.x;
    const dy = point.y - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    view.x = drag.vx + dx;
    view.y = drag.vy + dy;
    apply();
  });
  root.addEventListener("pointerup", (event) => {
    const moved = drag?.moved;
    drag = null;
    root.releasePointerCapture(event.pointerId);
    if (moved) return;
    const group = document.elementsFromPoint(event.clientX, event.clientY)
      .map((element) => element.closest("[data-network-node]"))
      .find(Boolean);
    if (!group) {
      clear();
      return;
    }
    const index = nodes.findIndex((node) => node.id === group.dataset.networkNode);
    if (nodes[index].url) {
      window.location.assign(nodes[index].url);
    } else {
      select(order.indexOf(index));
    }
  });
  root.addEventListener("wheel", (event) => {
    // The wheel scrolls the page until the graph is selected (clicked or tabbed to).
    if (!(event.ctrlKey || event.metaKey || document.activeElement === canvas)) return;
    event.preventDefault();
    const point = toSvg(event);
    zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, point.x, point.y);
  }, { passive: false });
  nodeLayer.addEventListener("pointerover", (event) => {
    const group = event.target.closest("[data-network-node]");
    if (group && !drag) highlight(group.dataset.networkNode);
  });
  nodeLayer.addEventListener("pointerout", () => {
    if (!drag) highlight(current >= 0 ? nodes[order[current]].id : null);
  });
  figure.querySelector("[data-network-toolbar]").addEventListener("click", (event) => {
    const button = event.target.closest("[data-network-zoom]");
    if (!button) return;
    const action = button.dataset.networkZoom;
    if (action === "reset") {
      Object.assign(view, { x: 0, y: 0, k: 1 });
      apply();
    } else {
      zoom(action === "in" ? 1.25 : 0.8);
    }
  });

  // ---- keyboard ----
  // Actors in the order of their labels, as in the list.
  canvas.addEventListener("keydown", (event) => {
    const next = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (next !== undefined) {
      select(current < 0 ? (next > 0 ? 0 : order.length - 1) : current + next);
    } else if (event.key === "Home") {
      select(0);
    } else if (event.key === "End") {
      select(order.length - 1);
    } else if (event.key === "Enter" && current >= 0 && nodes[order[current]].url) {
      window.location.assign(nodes[order[current]].url);
    } else if (event.key === "+" || event.key === "=") {
      zoom(1.25);
    } else if (event.key === "-" || event.key === "−") {
      zoom(0.8);
    } else if (event.key === "Escape") {
      clear();
    } else {
      return;
    }
    event.preventDefault();
  });
  canvas.addEventListener("blur", () => {
    if (current < 0) highlight(null);
  });
}

start();
