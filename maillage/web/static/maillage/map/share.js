// The embed page's code generator: the iframe code follows the chosen size.

const root = document.querySelector("[data-share]");
const code = root.querySelector("[data-share-code]");
const width = root.querySelector("[data-share-width]");
const height = root.querySelector("[data-share-height]");
const preview = root.querySelector("[data-share-preview]");
const status = root.querySelector("[data-share-status]");
const template = code.value;

function escapeAttribute(value) {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

function update() {
  const w = /^\d+(%|px)?$/.test(width.value.trim()) ? width.value.trim() : "100%";
  const h = Math.min(Math.max(parseInt(height.value, 10) || 500, 200), 2000);
  code.value = template
    .replace(/width="[^"]*"/, `width="${escapeAttribute(w)}"`)
    .replace(/height="[^"]*"/, `height="${h}"`);
  preview.setAttribute("height", String(h));
  preview.style.width = w.endsWith("%") || w.endsWith("px") ? w : `${w}px`;
}

width.addEventListener("input", update);
height.addEventListener("input", update);
// A size typed while the page was still loading this script counts too.
update();
root.querySelector("[data-share-copy]").addEventListener("click", async () => {
  code.select();
  try {
    await navigator.clipboard.writeText(code.value);
  } catch {
    document.execCommand("copy");
  }
  status.textContent = status.dataset.copied;
});
