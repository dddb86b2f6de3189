// Croupier — theme toggle and local times.
// Loaded with `defer` on every page. No inline scripts anywhere (CSP: script-src 'self').
(function () {
  "use strict";

  var root = document.documentElement;
  var COOKIE_MAX_AGE = 31536000; // one year

  function currentTheme() {
    var t = root.getAttribute("data-theme");
    if (t === "dark" || t === "light") return t;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
  }

  function setTheme(theme) {
    root.setAttribute("data-theme", theme);
    // The server reads this cookie and renders data-theme on <html> next time, so there is no flash.
    document.cookie = "theme=" + theme + "; Path=/; Max-Age=" + COOKIE_MAX_AGE + "; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < toggles.length; i++) syncToggle(toggles[i]);
  }

  function syncToggle(button) {
    // aria-pressed = "dark theme is on"; the visible icon is switched by CSS from data-theme.
    button.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
  }

  function initToggles() {
    var toggles = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      var button = toggles[i];
      button.hidden = false; // rendered hidden so a no-JS page has no dead button
      syncToggle(button);
      button.addEventListener("click", function () {
        setTheme(currentTheme() === "dark" ? "light" : "dark");
      });
    }
  }

  // <time data-local-time datetime="2025-01-31T12:00:00Z">2025-01-31 12:00 UTC</time>
  // or <span data-local-time="2025-01-31T12:00:00Z">…</span>
  // Optional data-format: "datetime" (default), "date", "time".
  // Shows the viewer's local time with the zone name and keeps the ISO value as a tooltip.
  function formatLocalTimes(scope) {
    var nodes = (scope || document).querySelectorAll("[data-local-time]");
    var lang = root.getAttribute("lang") || undefined;
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var iso = el.getAttribute("data-local-time") || el.getAttribute("datetime");
      if (!iso) continue;
      var date = new Date(iso);
      if (isNaN(date.getTime())) continue;
      var format = el.getAttribute("data-format") || "datetime";
      var options;
      if (format === "date") options = { year: "numeric", month: "short", day: "numeric" };
      else if (format === "time") options = { hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
      else options = { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
      try {
        el.textContent = new Intl.DateTimeFormat(lang, options).format(date);
      } catch (e) {
        el.textContent = date.toLocaleString();
      }
      if (!el.hasAttribute("title")) el.setAttribute("title", date.toISOString());
    }
  }

  function init() {
    initToggles();
    formatLocalTimes(document);
  }

  window.croupierTheme = { set: setTheme, current: currentTheme, formatLocalTimes: formatLocalTimes };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
