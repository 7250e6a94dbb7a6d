// The page's configuration (URLs from Django URL names, translated strings, vocabularies),
// rendered by the template with json_script.
const element = document.getElementById("map-config");
export const config = JSON.parse(element.textContent);

const pluralRules = new Intl.PluralRules(config.language);
const numbers = new Intl.NumberFormat(config.language);

function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
}

/** A translated string, with %(name)s placeholders filled in. */
export function t(key, values = {}) {
  return format(config.strings[key], values);
}

/** A translated string with a count, in the plural form the language needs for it. */
export function tn(key, count, values = {}) {
  const forms = config.strings[key];
  const form = forms[pluralRules.select(count)] ?? forms.other;
  return format(form, { count: numbers.format(count), ...values });
}

export function formatNumber(value) {
  return numbers.format(value);
}

/** A URL of the page's configuration, with its placeholders (__uid__, __format__) replaced. */
export function url(name, replacements = {}) {
  let result = config.urls[name];
  for (const [key, value] of Object.entries(replacements)) {
    result = result.replace(`__${key}__`, encodeURIComponent(value));
  }
  return result;
}

export function absolute(path) {
  return new URL(path, window.location.href).href;
}
