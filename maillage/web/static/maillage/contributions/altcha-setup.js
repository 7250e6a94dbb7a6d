// Gives the vendored ALTCHA widget its texts in the page's language (from Django's
// translations, in the #altcha-strings JSON), and moves focus to the error summary of a
// refused form so that screen-reader users hear what to fix.
const strings = document.getElementById("altcha-strings");
if (strings && globalThis.$altcha) {
  const texts = JSON.parse(strings.textContent);
  const language = document.documentElement.lang || "fr";
  globalThis.$altcha.i18n.set(language, texts);
}

const summary = document.querySelector("[data-error-summary]");
if (summary) {
  summary.focus();
}
