// /enseignements/ while its figures are first computed (maillage/analyses/kept.py): asks
// every few seconds whether a table is ready (its CSV answers 503 until then), and reloads
// the page once it is, instead of reloading it blindly (<noscript> does that).
const status = document.querySelector("[data-insights-computing]");
const probe = status?.dataset.probeUrl;
if (probe) {
  const every = 5000;
  const ask = async () => {
    try {
      const response = await fetch(probe, { method: "HEAD", cache: "no-store" });
      if (response.ok) {
        window.location.reload();
        return;
      }
    } catch {
      // The server restarting: ask again later.
    }
    window.setTimeout(ask, every);
  };
  window.setTimeout(ask, every);
}
