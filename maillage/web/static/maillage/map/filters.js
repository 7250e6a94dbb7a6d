// The filters form: its controls hold the filter part of the state; facet counts from the
// server are written next to each value.

import { config, formatNumber, t } from "maillage-map/config.js";
import { BOOLEAN, MULTIPLE, VOCABULARY } from "maillage-map/state.js";

export class FiltersForm {
  constructor(form, { onChange }) {
    this.form = form;
    form.addEventListener("change", () => onChange(this.read()));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onChange(this.read());
    });
    // Live filtering replaces the submit button, kept for browsers without JavaScript.
    form.querySelector("[data-filters-submit]")?.setAttribute("hidden", "");
  }

  /** {filters, modes, booleans} as the form shows them. */
  read() {
    const data = new FormData(this.form);
    return {
      filters: Object.fromEntries(MULTIPLE.map((name) => [name, data.getAll(name)])),
      modes: Object.fromEntries(
        VOCABULARY.map((name) => [name, data.get(`${name}_mode`) === "and" ? "and" : "or"]),
      ),
      booleans: Object.fromEntries(BOOLEAN.map((name) => [name, data.get(name) || ""])),
    };
  }

  write(state) {
    for (const input of this.form.querySelectorAll("input[name]")) {
      const name = input.name;
      if (MULTIPLE.includes(name)) {
        input.checked = state.filters[name].includes(input.value);
      } else if (name.endsWith("_mode")) {
        input.checked = state.modes[name.slice(0, -5)] === input.value;
      } else if (BOOLEAN.includes(name)) {
        input.checked = state.booleans[name] === input.value;
      }
    }
    this.updateSelectedCounts();
  }

  updateSelectedCounts() {
    for (const group of this.form.querySelectorAll("[data-filter-group]")) {
      const parameter = group.dataset.filterGroup;
      const checked = group.querySelectorAll(`input[name="${parameter}"]:checked`);
      const count = BOOLEAN.includes(parameter)
        ? [...checked].filter((input) => input.value !== "").length
        : checked.length;
      const badge = group.querySelector("[data-selected-count]");
      badge.textContent = count ? formatNumber(count) : "";
      badge.hidden = count === 0;
      const mode = group.querySelector("[data-mode]");
      if (mode) mode.hidden = count < 2;
    }
  }

  /** Write the number of structures each value would give next to it. */
  updateCounts(facets) {
    for (const option of this.form.querySelectorAll("[data-option]")) {
      const parameter = option.dataset.parameter;
      const value = option.dataset.value;
      const counts = facets[parameter] || {};
      let count;
      if (BOOLEAN.includes(parameter) && value === "") {
        count = (counts.yes || 0) + (counts.no || 0);
      } else {
        count = counts[value] || 0;
      }
      const input = option.querySelector("input");
      option.querySelector("[data-count]").textContent = formatNumber(count);
      option.classList.toggle("is-empty", count === 0);
      // Long lists show only the values that would give something, and the chosen ones.
      option.hidden = option.hasAttribute("data-hide-empty") && count === 0 && !input.checked;
    }
  }
}

/** The chosen filters as removable chips. */
export function renderChips(container, state, { onRemove }) {
  container.replaceChildren();
  const add = (parameter, value, label) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "map-chip";
    button.textContent = label;
    button.setAttribute("aria-label", t("removeFilter", { label }));
    button.addEventListener("click", () => onRemove(parameter, value));
    item.append(button);
    container.append(item);
  };
  if (state.q) add("q", state.q, `« ${state.q} »`);
  for (const parameter of MULTIPLE) {
    for (const value of state.filters[parameter]) {
      add(parameter, value, config.labels[parameter]?.[value] || value);
    }
  }
  for (const parameter of BOOLEAN) {
    const value = state.booleans[parameter];
    if (value) add(parameter, value, config.labels[parameter]?.[value] || value);
  }
  for (const [parameter, value] of Object.entries(state.extra)) {
    add(parameter, value, `${parameter} = ${value}`);
  }
  container.hidden = container.children.length === 0;
}
