// The search box: a combobox (ARIA 1.2 pattern) suggesting structures, communes and themes
// as the user types; Enter without a chosen suggestion searches the text.

import { t, tn, url } from "maillage-map/config.js";

const DELAY_MS = 150;

export class SearchBox {
  constructor(form, { onSearch, onStructure, onCommune, onTheme }) {
    this.form = form;
    this.input = form.querySelector("[data-search-input]");
    this.listbox = form.querySelector("[data-search-listbox]");
    this.status = form.querySelector("[data-search-status]");
    this.clearButton = form.querySelector("[data-search-clear]");
    this.handlers = { onSearch, onStructure, onCommune, onTheme };
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => this.keydown(event));
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(Number(option.dataset.index));
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.close();
      onSearch(this.input.value.trim());
    });
    this.clearButton.addEventListener("click", () => {
      this.input.value = "";
      this.updateClear();
      this.close();
      onSearch("");
      this.input.focus();
    });
  }

  setValue(value) {
    this.input.value = value;
    this.updateClear();
  }

  updateClear() {
    this.clearButton.hidden = this.input.value === "";
  }

  schedule() {
    this.updateClear();
    clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (query.length < 2) {
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.suggest(query), DELAY_MS);
  }

  async suggest(query) {
    this.controller?.abort();
    this.controller = new AbortController();
    let found;
    try {
      const response = await fetch(`${url("suggestions")}?${new URLSearchParams({ q: query })}`, {
        signal: this.controller.signal,
      });
      if (!response.ok) return;
      found = await response.json();
    } catch {
      return; // cancelled by a newer keystroke, or offline
    }
    if (this.input.value.trim() !== query) return;
    this.options = [
      { kind: "search", label: t("searchFor", { q: query }), value: query },
      ...found.structures.map((s) => ({
        kind: "structure",
        label: s.name,
        detail: s.commune,
        value: s.uid,
      })),
      ...found.communes.map((c) => ({
        kind: "commune",
        label: c.name,
        detail: `${c.department} · ${tn("count", c.structures)}`,
        value: c,
      })),
      ...found.themes.map((theme) => ({ kind: "theme", label: theme.label, value: theme.slug })),
    ];
    this.render();
  }

  render() {
    const kinds = { structure: t("structure"), commune: t("commune"), theme: t("theme"), search: t("search") };
    const items = this.options.map((option, index) => {
      const item = document.createElement("li");
      item.id = `map-suggestion-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.index = index;
      item.className = `map-suggestion map-suggestion--${option.kind}`;
      const kind = document.createElement("span");
      kind.className = "map-suggestion__kind";
      kind.textContent = kinds[option.kind];
      const label = document.createElement("span");
      label.className = "map-suggestion__label";
      label.textContent = option.label;
      item.append(kind, label);
      if (option.detail) {
        const detail = document.createElement("span");
        detail.className = "map-suggestion__detail";
        detail.textContent = option.detail;
        item.append(detail);
      }
      return item;
    });
    this.listbox.replaceChildren(...items);
    this.active = -1;
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.input.removeAttribute("aria-activedescendant");
    const suggestions = this.options.length - 1;
    this.status.textContent = suggestions ? tn("suggestions", suggestions) : t("noSuggestion");
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  }

  move(step) {
    if (this.listbox.hidden || !this.options.length) return;
    const count = this.options.length;
    this.active = (this.active + step + count) % count;
    for (const item of this.listbox.children) {
      const selected = Number(item.dataset.index) === this.active;
      item.setAttribute("aria-selected", String(selected));
      if (selected) item.scrollIntoView({ block: "nearest" });
    }
    this.input.setAttribute("aria-activedescendant", `map-suggestion-${this.active}`);
  }

  keydown(event) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (this.listbox.hidden && this.options.length) this.render();
      this.move(1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      this.move(-1);
    } else if (event.key === "Escape") {
      if (!this.listbox.hidden) {
        event.preventDefault();
        this.close();
      }
    } else if (event.key === "Enter" && this.active >= 0 && !this.listbox.hidden) {
      event.preventDefault();
      this.choose(this.active);
    }
  }

  choose(index) {
    const option = this.options[index];
    this.close();
    if (!option) return;
    if (option.kind === "search") {
      this.handlers.onSearch(option.value);
    } else if (option.kind === "structure") {
      this.handlers.onStructure(option.value);
    } else if (option.kind === "commune") {
      this.handlers.onCommune(option.value);
    } else if (option.kind === "theme") {
      this.handlers.onTheme(option.value);
    }
  }
}
