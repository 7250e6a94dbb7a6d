// Possible duplicates while someone types a structure's name (progressive enhancement:
// without JavaScript the server shows the same list when the form is sent).
const form = document.querySelector("[data-contribution-form]");
const panel = document.querySelector("[data-duplicates]");

if (form && panel) {
  const nameInput = form.querySelector("[data-duplicate-name]");
  const communeInput = form.querySelector("[data-duplicate-commune]");
  const list = panel.querySelector("[data-duplicates-list]");
  const url = panel.dataset.duplicatesUrl;
  let timer = null;
  let lastQuery = "";

  const render = (results) => {
    list.replaceChildren(
      ...results.map((item) => {
        const entry = document.createElement("li");
        const link = document.createElement("a");
        link.href = item.url;
        link.textContent = item.name;
        const meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = ` · ${item.type_label}${item.commune ? ` · ${item.commune}` : ""}`;
        entry.append(link, meta);
        return entry;
      }),
    );
    panel.hidden = results.length === 0;
  };

  const lookup = async () => {
    const name = nameInput.value.trim();
    const commune = communeInput ? communeInput.value.trim() : "";
    const query = `${name}\u001f${commune}`;
    if (query === lastQuery) return;
    lastQuery = query;
    if (name.length < 3) {
      render([]);
      return;
    }
    const params = new URLSearchParams({ name, commune });
    try {
      const response = await fetch(`${url}?${params}`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      render(data.results || []);
    } catch {
      // Offline or throttled: the server checks again when the form is sent.
    }
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(lookup, 350);
  };
  nameInput.addEventListener("input", schedule);
  if (communeInput) communeInput.addEventListener("input", schedule);
}
