// Commune autocomplete of the partner search: a combobox (ARIA 1.2) over the plain text
// field. Without JavaScript the field still works: the server resolves what was typed.
// The endpoint's URL comes from the page (data-url, Django's URL name), never from here.

const DELAY_MS = 150;

function setup(root) {
  const input = root.querySelector("input");
  const list = document.createElement("ul");
  list.id = `${input.id}-list`;
  list.className = "autocomplete__list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  root.append(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let timer = null;
  let active = -1;
  let controller = null;

  const options = () => [...list.querySelectorAll("[role=option]")];

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const all = options();
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0 && all[index]) {
      input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(option) {
    input.value = option.dataset.value;
    close();
  }

  function show(results) {
    list.replaceChildren();
    if (!results.length) {
      const empty = document.createElement("li");
      empty.className = "autocomplete__empty";
      empty.setAttribute("role", "presentation");
      empty.textContent = root.dataset.empty;
      list.append(empty);
    }
    results.forEach((commune, i) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${i}`;
      option.className = "autocomplete__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.value = commune.label;
      const name = document.createElement("span");
      name.textContent = commune.label;
      const meta = document.createElement("span");
      meta.className = "autocomplete__meta";
      meta.textContent = commune.postcodes.slice(0, 2).join(", ");
      option.append(name, meta);
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(option);
      });
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  }

  async function fetchSuggestions() {
    const query = input.value.trim();
    if (query.length < 2) {
      close();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    const url = new URL(root.dataset.url, window.location.href);
    url.searchParams.set("q", query);
    try {
      const response = await fetch(url, { signal: controller.signal });
      if (!response.ok) return;
      const body = await response.json();
      if (input.value.trim() === query) show(body.results);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    const all = options();
    if (event.key === "ArrowDown" && all.length && !list.hidden) {
      event.preventDefault();
      highlight((active + 1) % all.length);
    } else if (event.key === "ArrowUp" && all.length && !list.hidden) {
      event.preventDefault();
      highlight(active <= 0 ? all.length - 1 : active - 1);
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(all[active]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", close);
}

document.querySelectorAll("[data-commune-autocomplete]").forEach(setup);
