// « Structures similaires » on a structure page: the page links to their own page, and this
// replaces the link with the block once it is ranked, so the page never waits for it.

const section = document.querySelector("[data-similar]");
if (section) {
  fetch(section.dataset.similar, { headers: { Accept: "text/html" } })
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => {
      const template = document.createElement("template");
      template.innerHTML = html.trim();
      const block = template.content.querySelector("section");
      // Nothing alike: the heading and its link go too (the page is complete without them).
      if (block) section.replaceWith(block);
      else section.remove();
    })
    .catch(() => {
      // Offline or an error: the link to the page of similar structures stays.
    });
}
