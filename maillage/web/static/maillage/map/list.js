// The list of the structures in view: the map's text alternative, kept in step with it.
// Structures are listed by name (the payload's alphabetical index).

import { config, tn, t } from "maillage-map/config.js";

const LIMIT = 100;

export class StructureList {
  constructor(element, summary, { hrefFor, onOpen }) {
    this.element = element;
    this.summary = summary;
    this.hrefFor = hrefFor;
    this.onOpen = onOpen;
    element.addEventListener("click", (event) => {
      const link = event.target.closest("[data-structure]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      this.onOpen(link.dataset.structure, link);
    });
  }

  render(data, mask, bounds, selectedUid) {
    const { west, south, east, north } = bounds;
    const across = west > east;
    const shown = [];
    let count = 0;
    const order = data.alphabetical();
    for (let k = 0; k < order.length; k += 1) {
      const i = order[k];
      if (mask && !mask[i]) continue;
      const lon = data.lon[i];
      const lat = data.lat[i];
      if (lat < south || lat > north) continue;
      if (across ? lon < west && lon > east : lon < west || lon > east) continue;
      count += 1;
      if (shown.length < LIMIT) shown.push(i);
    }
    const items = shown.map((index) => this.item(data, index, selectedUid));
    if (count > shown.length) {
      const more = document.createElement("li");
      more.className = "map-list__more";
      more.textContent = tn("more", count - shown.length);
      items.push(more);
    }
    this.element.replaceChildren(...items);
    this.summary.textContent = count ? tn("inView", count) : t("noneInView");
    return count;
  }

  item(data, index, selectedUid) {
    const uid = data.uid[index];
    const slug = data.types[data.type[index]];
    const type = config.types[slug] || { label: slug, color: "#5f5b53" };
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.className = "map-list__link";
    link.href = this.hrefFor(uid);
    link.dataset.structure = uid;
    if (uid === selectedUid) link.setAttribute("aria-current", "true");
    link.style.setProperty("--type-color", type.color);
    const name = document.createElement("span");
    name.className = "map-list__name";
    name.textContent = data.name[index];
    const meta = document.createElement("span");
    meta.className = "map-list__meta";
    const commune = data.communeNames[data.commune[index]];
    meta.textContent = commune ? `${type.label} · ${commune}` : type.label;
    link.append(name, meta);
    item.append(link);
    return item;
  }
}
