// Auto-refresh of the ops console: every data-refresh-ms the page fetches
// its own fragment (server-rendered, escaped HTML) and swaps it in, so a kiosk
// that stops sending heartbeats turns red at the next refresh. A refresh
// does not extend the login (X-Ops-Refresh); an ended login reloads the page,
// which then shows the login form. No inline script: the CSP forbids it.
(function () {
  "use strict";
  const body = document.body;
  const main = document.getElementById("content");
  const live = document.getElementById("live");
  const every = parseInt(body.dataset.refreshMs, 10) || 10000;
  const tower = document.getElementById("tower");
  if (tower) {
    tower.addEventListener("change", function () { tower.form.submit(); });
  }
  let busy = false;
  // The action forms live in the refreshed part: while the operator types in
  // one (focus, or text not yet sent) the refresh waits, or it would wipe it.
  function editing() {
    const a = document.activeElement;
    if (a && main.contains(a) && a.matches("input, select, textarea")) { return true; }
    return Array.from(main.querySelectorAll("input:not([type=hidden])"))
      .some(function (i) { return i.value !== ""; });
  }
  async function refresh() {
    if (busy || !main) { return; }
    if (editing()) { live.textContent = "Refresh paused while you type"; return; }
    busy = true;
    try {
      const r = await fetch(main.dataset.fragment, {
        headers: {"X-Ops-Refresh": "1"}, credentials: "same-origin", cache: "no-store"});
      if (r.status === 401) { window.location.reload(); return; }
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      main.innerHTML = await r.text();
      live.textContent = "";
      live.classList.remove("down");
    } catch (e) {
      live.textContent = "Refresh failed; retrying";
      live.classList.add("down");
    } finally {
      busy = false;
      body.dataset.refreshes = String(parseInt(body.dataset.refreshes, 10) + 1);
    }
  }
  window.setInterval(refresh, every);
})();
