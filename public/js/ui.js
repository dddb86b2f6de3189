// Croupier — small progressive enhancements shared by the player site and the admin console.
// Everything here is optional: pages work without JavaScript.
//
//   [data-sidebar-toggle]           opens/closes the admin sidebar (no-JS fallback: #admin-sidebar:target)
//   [data-dialog-open="id"]         opens <dialog id="id"> with showModal(); [data-dialog-close] closes it
//   [data-toast-timeout="ms"]       removes a .toast after ms; [data-toast-dismiss] removes it at once
//   [role="tablist"]                arrow-key navigation between [role="tab"] buttons and their panels
//   [data-session-started="ISO"]    shows elapsed session time as H:MM:SS
//   [data-search-shortcut]          "/" focuses this input
//
// Exports toast() and flashBalance() for other modules (e.g. the wallet WebSocket client).

const root = document.documentElement;
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

/* Admin sidebar */
function initSidebar() {
  const sidebar = document.getElementById("admin-sidebar");
  if (!sidebar) return;
  const toggles = document.querySelectorAll("[data-sidebar-toggle]");
  const closers = document.querySelectorAll("[data-sidebar-close]");
  const setOpen = (open) => {
    sidebar.classList.toggle("is-open", open);
    toggles.forEach((t) => t.setAttribute("aria-expanded", String(open)));
    if (open) {
      const first = sidebar.querySelector("a[aria-current], a, button");
      if (first) first.focus({ preventScroll: true });
    }
  };
  toggles.forEach((t) => {
    t.setAttribute("aria-expanded", "false");
    t.addEventListener("click", (e) => {
      e.preventDefault();
      setOpen(!sidebar.classList.contains("is-open"));
    });
  });
  closers.forEach((c) =>
    c.addEventListener("click", (e) => {
      e.preventDefault();
      setOpen(false);
      if (toggles[0]) toggles[0].focus();
    })
  );
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && sidebar.classList.contains("is-open")) {
      setOpen(false);
      if (toggles[0]) toggles[0].focus();
    }
  });
}

/* Dialogs */
function initDialogs() {
  document.addEventListener("click", (e) => {
    const opener = e.target.closest("[data-dialog-open]");
    if (opener) {
      const dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && typeof dialog.showModal === "function") {
        e.preventDefault();
        dialog.showModal();
      }
      return;
    }
    const closer = e.target.closest("[data-dialog-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        e.preventDefault();
        dialog.close(closer.getAttribute("value") || "");
      }
      return;
    }
    // Click on the backdrop closes a dialog marked data-dismissible.
    if (e.target instanceof HTMLDialogElement && e.target.open && e.target.hasAttribute("data-dismissible")) {
      const r = e.target.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) e.target.close("");
    }
  });
}

/* Toasts */
function dismissToast(toast) {
  if (!toast || toast.classList.contains("is-leaving")) return;
  if (reducedMotion.matches) {
    toast.remove();
    return;
  }
  toast.classList.add("is-leaving");
  toast.addEventListener("animationend", () => toast.remove(), { once: true });
}

function armToast(toast) {
  const ms = parseInt(toast.getAttribute("data-toast-timeout") || "", 10);
  if (ms > 0) setTimeout(() => dismissToast(toast), ms);
}

function toastRegion() {
  let region = document.querySelector(".toast-region");
  if (!region) {
    region = document.createElement("div");
    region.className = "toast-region";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(region);
  }
  return region;
}

const ICONS = {
  success: '<path d="M20 6 9 17l-5-5"/>',
  danger: '<circle cx="12" cy="12" r="10"/><path d="M12 8v4M12 16h.01"/>',
  warning: '<path d="m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3"/><path d="M12 9v4M12 17h.01"/>',
  info: '<circle cx="12" cy="12" r="10"/><path d="M12 16v-4M12 8h.01"/>',
};

/**
 * Show a toast. kind: "info" | "success" | "warning" | "danger".
 * Text is set with textContent, never parsed as HTML.
 */
export function toast({ title = "", body = "", kind = "info", timeout = 5000, closeLabel = "Close" } = {}) {
  const el = document.createElement("div");
  el.className = `toast toast--${kind}`;
  const svgNS = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(svgNS, "svg");
  icon.setAttribute("class", "icon");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("fill", "none");
  icon.setAttribute("stroke", "currentColor");
  icon.setAttribute("stroke-width", "2");
  icon.setAttribute("stroke-linecap", "round");
  icon.setAttribute("stroke-linejoin", "round");
  icon.setAttribute("aria-hidden", "true");
  icon.innerHTML = ICONS[kind] || ICONS.info; // static markup from this file only
  const text = document.createElement("div");
  if (title) {
    const t = document.createElement("p");
    t.className = "toast__title";
    t.textContent = title;
    text.appendChild(t);
  }
  if (body) {
    const b = document.createElement("p");
    b.className = "toast__body";
    b.textContent = body;
    text.appendChild(b);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn btn--ghost btn--icon btn--sm";
  close.setAttribute("aria-label", closeLabel);
  close.setAttribute("data-toast-dismiss", "");
  close.textContent = "×";
  el.append(icon, text, close);
  toastRegion().appendChild(el);
  if (timeout > 0) setTimeout(() => dismissToast(el), timeout);
  return el;
}

function initToasts() {
  document.querySelectorAll(".toast[data-toast-timeout]").forEach(armToast);
  document.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-toast-dismiss]");
    if (btn) dismissToast(btn.closest(".toast"));
  });
}

/* Balance chip: call after updating the text of a .balance-chip (it carries aria-live="polite"). */
export function flashBalance(chip, direction /* "credit" | "debit" */) {
  if (!chip) return;
  chip.classList.remove("is-updated", "is-credit", "is-debit");
  void chip.offsetWidth; // restart the animation
  chip.classList.add("is-updated", direction === "debit" ? "is-debit" : "is-credit");
  setTimeout(() => chip.classList.remove("is-updated", "is-credit", "is-debit"), 1400);
}

/* Tabs (ARIA pattern; link tabs need nothing) */
function initTabs() {
  document.querySelectorAll('[role="tablist"]').forEach((list) => {
    const tabs = Array.from(list.querySelectorAll('[role="tab"]'));
    const select = (tab, focus) => {
      tabs.forEach((t) => {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        const panel = document.getElementById(t.getAttribute("aria-controls") || "");
        if (panel) panel.hidden = !on;
      });
      if (focus) tab.focus();
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (e) => {
        let next = null;
        if (e.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
        else if (e.key === "ArrowLeft") next = tabs[(i - 1 + tabs.length) % tabs.length];
        else if (e.key === "Home") next = tabs[0];
        else if (e.key === "End") next = tabs[tabs.length - 1];
        if (next) {
          e.preventDefault();
          select(next, true);
        }
      });
    });
  });
}

/* Session timer (responsible gambling: always visible in the player footer) */
function initSessionTimer() {
  const nodes = document.querySelectorAll("[data-session-started]");
  if (!nodes.length) return;
  const pad = (n) => String(n).padStart(2, "0");
  const tick = () => {
    nodes.forEach((el) => {
      const started = Date.parse(el.getAttribute("data-session-started") || "");
      if (isNaN(started)) return;
      const s = Math.max(0, Math.floor((Date.now() - started) / 1000));
      el.textContent = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    });
  };
  tick();
  setInterval(tick, 1000);
}

/* "/" focuses the global search */
function initSearchShortcut() {
  const input = document.querySelector("[data-search-shortcut]");
  if (!input) return;
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t && t.isContentEditable)) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
}

/* Close open <details class="menu"> on outside click or Escape */
function initMenus() {
  document.addEventListener("click", (e) => {
    document.querySelectorAll("details.menu[open]").forEach((d) => {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach((d) => {
      d.removeAttribute("open");
      const s = d.querySelector("summary");
      if (s) s.focus();
    });
  });
}

/* Live sections: [data-live-refresh="ms"] is fetched again from this page's URL at that interval
   while the tab is visible, and replaced by the same section of the new copy. A failed fetch
   keeps what is shown and marks it stale, so an outage never blanks the page that reports it. */
function initLiveRefresh() {
  document.querySelectorAll("[data-live-refresh]").forEach((section) => {
    const every = Math.max(1000, Number(section.getAttribute("data-live-refresh")) || 5000);
    const selector = `[data-testid="${section.getAttribute("data-testid")}"]`;
    const refresh = async () => {
      if (document.visibilityState !== "visible") return;
      try {
        const answer = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!answer.ok) throw new Error(String(answer.status));
        const fresh = new DOMParser().parseFromString(await answer.text(), "text/html").querySelector(selector);
        if (!fresh) throw new Error("section missing");
        section.innerHTML = fresh.innerHTML;
        section.removeAttribute("data-stale");
      } catch {
        section.setAttribute("data-stale", "true");
      }
    };
    setInterval(refresh, every);
  });
}

initSidebar();
initDialogs();
initToasts();
initTabs();
initSessionTimer();
initLiveRefresh();
initSearchShortcut();
initMenus();
root.classList.add("js");

export default { toast, flashBalance };
